#pragma once
// The XPOS rotation (DESIGN.md section 4) as a differentiable op on x [B, N, H, Dh]: at
// absolute position p = start + n, dims (2j, 2j+1) of each head are turned by the angle
// p * 10000^(-2j/Dh): (x0, x1) -> (x0 cos - x1 sin, x1 cos + x0 sin). The XPOS decay scale is
// not part of it: attention applies that in relative form.
#include "tensor/tensor.h"

namespace longnet::ops {

Tensor xpos_rotate(const Tensor& x, int64_t start);

}  // namespace longnet::ops
