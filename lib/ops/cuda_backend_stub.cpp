// The CUDA backend until its adapter over ops/cuda kernels lands; in a CPU-only build, for good.
#include "common/build_info.h"
#include "common/error.h"
#include "ops/backend.h"

namespace longnet::ops {

Backend& cuda_backend() {
  if (!build_info().cuda_built)
    fail<RuntimeError>("cuda tensors are not available: longnet was built without CUDA");
  fail<RuntimeError>("cuda tensors are not available yet: the CUDA op backend is not implemented");
}

}  // namespace longnet::ops
