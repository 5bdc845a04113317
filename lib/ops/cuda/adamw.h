#pragma once
// Fused AdamW step with fp32 master weights and moments, PyTorch's semantics (torch.optim.AdamW,
// amsgrad off): with g = grad_scale * grad and t = step (1 on the first step),
//   p -= lr * weight_decay * p                    (decoupled decay)
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
//   p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// and the working copy (bf16 or f32, optional) receives the new p.
#include <cstdint>

#include "ops/cuda/device_context.h"
#include "ops/cuda/dtype.h"

namespace longnet::cuda {

struct AdamWHyper {
  float lr = 6e-4f, beta1 = 0.9f, beta2 = 0.98f, eps = 1e-8f, weight_decay = 0.01f;
  int64_t step = 1;
  float grad_scale = 1.f;  // e.g. the clipping factor
};

void adamw_step(DeviceContext& ctx, const AdamWHyper& h, int64_t n, DType grad_type, const void* grad,
                float* master, float* m, float* v, DType param_type, void* param);

}  // namespace longnet::cuda
