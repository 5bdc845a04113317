#pragma once
// A device temporary of `count` elements of one dtype, viewed as the kernels take it. Freed at
// scope end: later work on the context's one stream runs after the kernels queued to use it.
#include <cstdint>

#include "ops/cuda/device_context.h"
#include "ops/cuda/views.h"

namespace longnet::cuda {

struct Scratch {
  Scratch(DeviceContext& ctx, int64_t count, DType t) : block(ctx.memory(), size_t(count) * size_of(t)), type(t) {}
  InView in(const Strides& s) const { return {block.get(), type, s}; }
  OutView out(const Strides& s) const { return {block.get(), type, s}; }
  void* data() const { return block.get(); }

  Block block;
  DType type;
};

}  // namespace longnet::cuda
