#include "common/build_info.h"

#include "git_commit.h"

namespace longnet {

const BuildInfo& build_info() {
  static const BuildInfo info{LONGNET_VERSION, LONGNET_GIT_COMMIT, LONGNET_CUDA_BUILT != 0,
                              LONGNET_CUDA_BUILT ? LONGNET_CUDA_ARCHS : ""};
  return info;
}

}  // namespace longnet
