#pragma once
// The global L2 norm of many tensors (e.g. all gradients, for clipping), deterministic: the
// tensors are cut into fixed chunks, each chunk's sum of squares is a fixed tree, and one block
// adds the chunk sums in order (fp64). Same inputs, same bits.
#include <cstdint>
#include <vector>

#include "ops/cuda/device_context.h"
#include "ops/cuda/dtype.h"

namespace longnet::cuda {

struct TensorRef {
  const void* data;
  DType dtype;
  int64_t count;  // contiguous elements
};

// Writes sqrt(sum of squares of every element) to *norm (device memory, fp32); returns when done.
void global_norm(DeviceContext& ctx, const std::vector<TensorRef>& tensors, float* norm);

}  // namespace longnet::cuda
