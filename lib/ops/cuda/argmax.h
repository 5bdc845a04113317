#pragma once
// Maximum with its index along the middle dimension of a contiguous [outer, n, inner] array, and
// its backward, with the CPU backend's tie and NaN rules.
#include "ops/cuda/device_context.h"
#include "ops/cuda/dtype.h"

namespace longnet::cuda {

// out[o, i] = x[o, k, i] and argmax[o, i] = k for the first k whose value is larger than every
// earlier one (NaNs never win; a row with nothing above -inf gives k = 0). out and argmax are
// contiguous [outer, inner]; out's type may differ from x's.
void max_with_argmax(DeviceContext& ctx, int64_t outer, int64_t n, int64_t inner, const void* x, DType x_type,
                     void* out, DType out_type, int64_t* argmax);

// grad_x [outer, n, inner] = 0 except grad_x[o, argmax[o, i], i] = grad[o, i] (all contiguous,
// grad and grad_x of one type).
void max_backward(DeviceContext& ctx, int64_t outer, int64_t n, int64_t inner, const int64_t* argmax,
                  const void* grad, DType type, void* grad_x);

}  // namespace longnet::cuda
