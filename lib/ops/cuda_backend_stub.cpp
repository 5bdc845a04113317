// The CUDA backend of a CPU-only build: cuda tensors are refused with a clear message.
#include "common/error.h"
#include "ops/backend.h"

namespace longnet::ops {

Backend& cuda_backend() {
  fail<RuntimeError>("cuda tensors are not available: longnet was built without CUDA");
}

}  // namespace longnet::ops
