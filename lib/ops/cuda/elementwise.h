#pragma once
// Elementwise and broadcast ops over up-to-4-D strided views (views.h), fp32 math, any mix of
// f32/bf16 storage. A stride of 0 broadcasts an input along that dimension. Outputs must not
// overlap inputs except exactly (in place).
#include "ops/cuda/device_context.h"
#include "ops/cuda/views.h"

namespace longnet::cuda {

enum class UnaryOp {
  copy,        // x (with `in` and `out` types differing, a conversion)
  neg,
  scale,       // alpha * x
  add_scalar,  // x + alpha
  exp,
  log,
  tanh,
  sqrt,
  rsqrt,
  square,
  reciprocal,
  abs,
  relu,
  gelu,        // exact: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))
  fill,        // alpha (the input is not read)
};

enum class BinaryOp {
  add,
  sub,
  mul,
  div,
  max,
  min,
  gelu_backward,  // a = x, b = dy: dy * d gelu(x) / dx
};

void unary(DeviceContext& ctx, UnaryOp op, float alpha, const Extent& extent, const InView& in,
           const OutView& out);
void binary(DeviceContext& ctx, BinaryOp op, const Extent& extent, const InView& a, const InView& b,
            const OutView& out);

// n contiguous elements from one type to the other (bf16 <-> f32; round to nearest even).
void convert(DeviceContext& ctx, int64_t n, const void* in, DType in_type, void* out, DType out_type);

}  // namespace longnet::cuda
