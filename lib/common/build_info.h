#pragma once
// Facts about this build, for `longnet --version` and run directories.
#include <string>

namespace longnet {

struct BuildInfo {
  std::string version;
  std::string git_commit;
  bool cuda_built;
  std::string cuda_architectures;  // empty when CUDA was not built
};

const BuildInfo& build_info();

}  // namespace longnet
