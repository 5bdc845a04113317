#pragma once
// Host entry points of the kernels (forward.cu, backward.cu, rows.cu). Internal to
// lib/attention/cuda: attention_cuda.cpp strings them together. Streams are cudaStream_t as void*.
#include <cstdint>

#include "attention/cuda/attention_cuda.h"
#include "attention/cuda/pass.h"

namespace longnet::attention::cuda_detail {

using View = Bnhd<const uint16_t>;

// Merges one pass into the running (o_acc [batch, q_len, heads, dim] fp32, lse).
void forward_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch, View q,
                  View k, View v, float* o_acc, float* lse, void* stream);

using ForwardPassFn = void (*)(int head_dim, const Pass& pass, const CallGeometry& g,
                               int64_t batch, View q, View k, View v, float* o_acc, float* lse,
                               void* stream);

// Which passes of a frame may go to cuDNN (cudnn_pass.h): none (a kernel-lab variant runs every
// pass), or those cuDNN computes, with any engine or only a deterministic one (backward).
enum class CudnnPasses { none, any_engine, deterministic_engine };

// The forward around a per-pass kernel (forward_pass, or a kernel-lab variant): checks the call,
// zeroes the running O, sets lse = -inf, runs every pass (on cuDNN where `cudnn` allows and cuDNN
// takes it), writes O as bf16. A first cuDNN pass that covers every row writes the running O
// instead of the fill (a call's only such pass: the final O) - cudnn_pass.h, Into.
void forward_with(ForwardPassFn pass_fn, const Spec& spec, const Problem& p, View q, View k,
                  View v, Bnhd<uint16_t> o, float* lse, const CudaLaunch& launch,
                  CudnnPasses cudnn = CudnnPasses::none);

// Adds one pass's dQ, dK, dV into fp32 accumulators [batch, rows, heads, dim].
void backward_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch, View q,
                   View k, View v, View d_o, const float* lse, const float* dsum, float* dq_acc,
                   float* dk_acc, float* dv_acc, void* stream);

using BackwardPassFn = void (*)(int head_dim, const Pass& pass, const CallGeometry& g,
                                int64_t batch, View q, View k, View v, View d_o, const float* lse,
                                const float* dsum, float* dq_acc, float* dk_acc, float* dv_acc,
                                void* stream);

// Our backward around a per-pass kernel (backward_pass, or a kernel-lab variant): checks the
// call, zeroes the accumulators, computes D = rowsum(dO * O), runs every pass in order (so the
// passes add up in a fixed order; on cuDNN where `cudnn` allows and cuDNN takes it), writes the
// gradients as bf16. A first cuDNN pass that covers every row writes the accumulators instead
// of the zero fill.
void backward_with(BackwardPassFn pass_fn, const Spec& spec, const Problem& p, View q, View k,
                   View v, View o, View d_o, const float* lse, Bnhd<uint16_t> dq,
                   Bnhd<uint16_t> dk, Bnhd<uint16_t> dv, const CudaLaunch& launch,
                   CudnnPasses cudnn = CudnnPasses::none);

// lse = -inf over n values.
void fill_minus_inf(float* lse, int64_t n, void* stream);
// out[b, r, h, :] = bf16(acc[b, r, h, :]) for acc laid out [batch, rows, heads, dim].
void store_bf16(const float* acc, Bnhd<uint16_t> out, int64_t batch, int64_t rows, int64_t heads,
                int64_t head_dim, void* stream);
// dsum[b, h, r] = sum_d d_o[b, r, h, d] * o[b, r, h, d].
void row_dot(View d_o, View o, float* dsum, int64_t batch, int64_t rows, int64_t heads,
             int64_t head_dim, void* stream);

}  // namespace longnet::attention::cuda_detail
