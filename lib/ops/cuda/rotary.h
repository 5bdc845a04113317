#pragma once
// XPOS rotation (DESIGN.md section 4) of q or k laid out [batch, seq, heads, head_dim]: the pair
// (x[2j], x[2j+1]) at position p = position_offset + s turns by the angle p * 10000^(-2j/Dh):
//   (x0, x1) -> (x0 cos - x1 sin, x1 cos + x0 sin).
// Optionally also XPOS's decay scale z_j^(sign * (p - origin) / scale_base) with
// z_j = (2j + 0.4 Dh) / (1.4 Dh): sign +1 for q, -1 for k, 0 for none. The backward applies the
// transpose (the rotation by -angle, the same scale). Angles are reduced in fp64, so they stay
// exact at millions of positions. `out` may equal `in`.
#include <array>
#include <cstdint>

#include "ops/cuda/device_context.h"
#include "ops/cuda/dtype.h"

namespace longnet::cuda {

struct RotaryShape {
  int64_t batch = 1, seq = 0, heads = 1, head_dim = 0;  // head_dim even
  DType dtype = DType::bf16;
  int64_t position_offset = 0;
  int scale_sign = 0;
  int64_t scale_origin = 0;
  float scale_base = 512.f;
};

// Element strides of the batch, seq and head dimensions; head_dim is contiguous.
using RotaryStrides = std::array<int64_t, 3>;

void rotary_forward(DeviceContext& ctx, const RotaryShape& s, const void* in, RotaryStrides in_stride, void* out,
                    RotaryStrides out_stride);
void rotary_backward(DeviceContext& ctx, const RotaryShape& s, const void* dout, RotaryStrides dout_stride, void* din,
                     RotaryStrides din_stride);

}  // namespace longnet::cuda
