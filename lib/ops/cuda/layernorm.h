#pragma once
// LayerNorm over the last dimension, fp32 statistics: y = (x - mean) * rstd * gamma + beta with
// rstd = 1 / sqrt(var + eps) (biased variance). The forward saves mean and rstd (fp32, one per
// row) for the backward. Activations (x, residual, sum, y, dy, dx) share one type; parameters
// and their gradients (gamma, beta, dgamma, dbeta) share another.
#include "ops/cuda/device_context.h"
#include "ops/cuda/views.h"

namespace longnet::cuda {

struct LayerNormShape {
  int64_t rows = 0, dim = 0;
  DType act = DType::bf16, param = DType::bf16;
  float eps = 1e-5f;
};

void layernorm_forward(DeviceContext& ctx, const LayerNormShape& s, ConstRows x, const void* gamma,
                       const void* beta, Rows y, float* mean, float* rstd);

// The residual stream's step: sum = x + residual (written, rounded to the activation type), then
// y = LayerNorm(sum). The backward of this is layernorm_backward on `sum` with dx_add = the
// gradient arriving at `sum` from later layers.
void add_layernorm_forward(DeviceContext& ctx, const LayerNormShape& s, ConstRows x, ConstRows residual,
                           Rows sum, const void* gamma, const void* beta, Rows y, float* mean, float* rstd);

// dx = d LayerNorm / dx applied to dy, plus dx_add when dx_add.data is set (may alias dx).
// dx may alias dy or x. dgamma and dbeta are overwritten, not accumulated; deterministic.
void layernorm_backward(DeviceContext& ctx, const LayerNormShape& s, ConstRows dy, ConstRows x,
                        const float* mean, const float* rstd, const void* gamma, Rows dx,
                        ConstRows dx_add, void* dgamma, void* dbeta);

}  // namespace longnet::cuda
