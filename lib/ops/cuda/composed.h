#pragma once
// LayerNorm, cross-entropy, XPOS and logsumexp composed of the generic kernels (elementwise.h,
// reduce.h, indices.h), so they run in any dtype with its own arithmetic: fp64 for f64. The
// fused kernels (layernorm.h, cross_entropy.h, rotary.h) take f32/bf16 only and serve training;
// these serve f64, the oracle dtype, with a few passes each. Arrays are contiguous and of one
// dtype `t` unless said otherwise.
#include <cstdint>

#include "ops/cuda/device_context.h"
#include "ops/cuda/views.h"

namespace longnet::cuda {

// out[o, i] = log sum_j exp(x[o, j, i]) over e = {1, outer, n, inner}, the max subtracted first;
// out is indexed [outer, inner] through its strides. Temporaries are of type `math`.
void logsumexp(DeviceContext& ctx, const Extent& e, const InView& x, const OutView& out, DType math);

// Rows of `dim`: y = (x - mean) * rstd * w + b, rstd = 1 / sqrt(var + eps); mean, rstd [rows].
void composed_layernorm_forward(DeviceContext& ctx, int64_t rows, int64_t dim, DType t, const void* x,
                                const void* w, const void* b, double eps, void* y, void* mean, void* rstd);
// dx = rstd (dy w - mean(dy w) - xhat mean(dy w xhat)); dw = sum_rows dy xhat; db = sum_rows dy.
void composed_layernorm_backward(DeviceContext& ctx, int64_t rows, int64_t dim, DType t, const void* x,
                                 const void* w, const void* mean, const void* rstd, const void* dy, void* dx,
                                 void* dw, void* db);

// Per row of logits [rows, vocab] with int32 targets: lse[r], and loss[r] = (lse[r] - logits[r,
// target]) * valid[r] (valid: 1, or 0 for rows whose target is `ignore`).
void composed_cross_entropy(DeviceContext& ctx, int64_t rows, int64_t vocab, DType t, const void* logits,
                            const int32_t* targets, int64_t ignore, const void* valid, void* loss, void* lse);
// dlogits[r] = (exp(logits[r] - lse[r]) - onehot(target)) * dloss[r] * valid[r].
void composed_cross_entropy_backward(DeviceContext& ctx, int64_t rows, int64_t vocab, DType t,
                                     const void* logits, const int32_t* targets, int64_t ignore,
                                     const void* valid, const void* lse, const void* dloss, void* dlogits);

// XPOS of x [B, N, H, Dh] (any strides): pair j at position n
// -> (x0 c - x1 s, x1 c + x0 s) with c, s from tables [N, Dh / 2] (ops/xpos_table.h). out must
// not overlap x.
void composed_rotary(DeviceContext& ctx, const Extent& shape, DType t, const void* x, const Strides& x_stride,
                     const void* cos_table, const void* sin_table, void* out, const Strides& out_stride);

}  // namespace longnet::cuda
