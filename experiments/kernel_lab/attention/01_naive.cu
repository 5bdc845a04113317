// Variant 01: one thread per (batch, head, query) and pass, fp32 throughout, scores from the
// definition (XPOS decay per dim pair from the true distance). Slow; the GPU reference that the
// tiled variants are measured against. Same pass geometry and (O, lse) merge as the library.
#include <cuda_runtime.h>

#include <cmath>

#include "attention/cuda/attention_cuda.h"
#include "attention/cuda/cuda_check.h"
#include "attention/cuda/launchers.h"
#include "attention/cuda/tile_ops.cuh"
#include "variants.h"

namespace longnet::attention::lab {
namespace {

using cuda_detail::CallGeometry;
using cuda_detail::Group;
using cuda_detail::Pass;

__device__ float load(const uint16_t* p) { return __uint_as_float(static_cast<uint32_t>(*p) << 16); }

template <int Dh>
__global__ void naive_kernel(Pass pass, CallGeometry g, Bnhd<const uint16_t> q,
                             Bnhd<const uint16_t> k, Bnhd<const uint16_t> v, float* o_acc,
                             float* lse, int64_t batch) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t >= batch * g.heads * g.q_len) return;
  const int64_t qrow = t % g.q_len, h = t / g.q_len % g.heads, b = t / g.q_len / g.heads;
  const int64_t i = g.q_start + qrow;
  const int64_t s = i / pass.period;
  const Group grp = cuda_detail::query_group(pass, static_cast<int>(h), s);
  const int64_t at = grp.q.count_below(i);
  if (at >= grp.q.count || grp.q.pos(at) != i) return;  // this pass does not select row i
  float qv[Dh], acc[Dh];
  const uint16_t* qp = q.data + b * q.stride_b + qrow * q.stride_n + h * q.stride_h;
  for (int d = 0; d < Dh; ++d) qv[d] = load(qp + d), acc[d] = 0;
  const float scale = rsqrtf(static_cast<float>(Dh));
  float m = -INFINITY, l = 0;
  const int64_t m_lo = grp.k.count_below(g.kv_start), m_hi = grp.k.count_below(g.kv_start + g.kv_len);
  for (int64_t idx = m_lo; idx < m_hi; ++idx) {
    const int64_t j = grp.k.pos(idx);
    if (pass.causal && j > i) break;
    const uint16_t* kp = k.data + b * k.stride_b + (j - g.kv_start) * k.stride_n + h * k.stride_h;
    const uint16_t* vp = v.data + b * v.stride_b + (j - g.kv_start) * v.stride_n + h * v.stride_h;
    float score = 0;
    for (int d = 0; d < Dh; ++d) {
      const float f = g.xpos ? exp2f(g.decay_log2[d / 2] * static_cast<float>(i - j)) : 1.0f;
      score += qv[d] * load(kp + d) * f;
    }
    score *= scale;
    const float m_new = fmaxf(m, score), alpha = expf(m - m_new), p = expf(score - m_new);
    l = l * alpha + p;
    for (int d = 0; d < Dh; ++d) acc[d] = acc[d] * alpha + p * load(vp + d);
    m = m_new;
  }
  if (l == 0) return;
  float* lse_at = lse + (b * g.heads + h) * g.q_len + qrow;
  float* out = o_acc + ((b * g.q_len + qrow) * g.heads + h) * Dh;
  const cuda_detail::Merge mw = cuda_detail::merge_weights(*lse_at, m + logf(l), l);
  for (int d = 0; d < Dh; ++d) out[d] = mw.w_old * out[d] + mw.w_pass * acc[d];
  *lse_at = mw.lse;
}

// One pass: one thread per (batch, head, query row).
void naive_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch,
                cuda_detail::View q, cuda_detail::View k, cuda_detail::View v, float* o_acc,
                float* lse, void* stream) {
  const int64_t threads = batch * g.heads * g.q_len;
  const unsigned blocks = static_cast<unsigned>((threads + 127) / 128);
  const auto s = static_cast<cudaStream_t>(stream);
  if (head_dim == 64) {
    naive_kernel<64><<<blocks, 128, 0, s>>>(pass, g, q, k, v, o_acc, lse, batch);
  } else {
    naive_kernel<128><<<blocks, 128, 0, s>>>(pass, g, q, k, v, o_acc, lse, batch);
  }
  cuda_detail::check_cuda(cudaGetLastError(), "naive launch");
}

}  // namespace

void naive_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                   Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                   float* lse, const CudaLaunch& launch) {
  cuda_detail::forward_with(naive_pass, spec, p, q, k, v, o, lse, launch);
}

}  // namespace longnet::attention::lab
