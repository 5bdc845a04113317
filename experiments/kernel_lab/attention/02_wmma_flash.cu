// Variant 02: the first library forward (until variant 05 replaced it), kept as the baseline.
// WMMA (mma.sync through nvcuda::wmma) with 64-query CTAs of 4 warps; K, V, the fp32 score tile,
// the bf16 probabilities and the fp32 output accumulator are all staged in shared memory, which
// keeps masking, XPOS and rescaling plain element-wise code.
#include "attention/cuda/launchers.h"
#include "attention/cuda/pass_launch.cuh"
#include "variants.h"

namespace longnet::attention::lab {
namespace {

using namespace cuda_detail;

template <int Dh>
struct ForwardSmem {
  bf16 *q, *k, *v, *p;
  float *s, *o, *m, *l, *decay;
  int64_t *qpos, *kpos;

  __host__ __device__ static size_t carve(uintptr_t base, ForwardSmem* out) {
    SmemCarver c{base};
    ForwardSmem t;
    t.q = c.take<bf16>(kBlockM * Ld<Dh>::rows);
    t.k = c.take<bf16>(kBlockN * Ld<Dh>::rows);
    t.v = c.take<bf16>(kBlockN * Ld<Dh>::rows);
    t.p = c.take<bf16>(kBlockM * kLdProb);
    t.s = c.take<float>(kBlockM * kLdScore);
    t.o = c.take<float>(kBlockM * Ld<Dh>::accum);
    t.m = c.take<float>(kBlockM);
    t.l = c.take<float>(kBlockM);
    t.decay = c.take<float>(Dh / 2);
    t.qpos = c.take<int64_t>(kBlockM);
    t.kpos = c.take<int64_t>(kBlockN);
    if (out) *out = t;
    return c.used;
  }
};

// One warp's 16 rows: fold the score tile into the running max m, sum l and output o.
template <int Dh>
__device__ void online_softmax(const ForwardSmem<Dh>& sm, int row0, bool causal) {
  const int lane = threadIdx.x % 32;
  const float scale_log2 = kLog2e * rsqrtf(static_cast<float>(Dh));
  for (int row = row0; row < row0 + 16; ++row) {
    const int64_t qp = sm.qpos[row];
    float x[2];
#pragma unroll
    for (int c = 0; c < 2; ++c) {
      const int col = lane + 32 * c;
      x[c] = attends(qp, sm.kpos[col], causal) ? sm.s[row * kLdScore + col] * scale_log2
                                               : -INFINITY;
    }
    const float m_old = sm.m[row];
    const float m_new = fmaxf(m_old, warp_max(fmaxf(x[0], x[1])));
    const bool none = m_new == -INFINITY;
    const float alpha = none ? 1.0f : exp2f(m_old - m_new);
    float sum = 0;
#pragma unroll
    for (int c = 0; c < 2; ++c) {
      const float p = none ? 0.0f : exp2f(x[c] - m_new);
      sm.p[row * kLdProb + lane + 32 * c] = __float2bfloat16(p);
      sum += p;
    }
    sum = warp_sum(sum);
    for (int d = lane; d < Dh; d += 32) sm.o[row * Ld<Dh>::accum + d] *= alpha;
    __syncwarp();  // every lane has read m and l of this row
    if (lane == 0) {
      sm.l[row] = sm.l[row] * alpha + sum;
      sm.m[row] = m_new;
    }
  }
}

// One warp's 16 rows: merge (o / l, lse) into the running result in global memory.
template <int Dh>
__device__ void merge_rows(const ForwardSmem<Dh>& sm, int row0, const CallGeometry& g, int64_t b,
                           int h, float* o_acc, float* lse) {
  const int lane = threadIdx.x % 32;
  for (int row = row0; row < row0 + 16; ++row) {
    const int64_t qp = sm.qpos[row];
    const float l = sm.l[row];
    if (qp < 0 || l == 0) continue;  // no row, or no key in this pass: nothing to merge
    const int64_t qrow = qp - g.q_start;
    float* lse_at = lse + (b * g.heads + h) * g.q_len + qrow;
    float* acc = o_acc + ((b * g.q_len + qrow) * g.heads + h) * Dh;
    const float lse_pass = (sm.m[row] + log2f(l)) * kLn2;
    const Merge mw = merge_weights(*lse_at, lse_pass, l);
    for (int d = lane; d < Dh; d += 32) {
      acc[d] = mw.w_old * acc[d] + mw.w_pass * sm.o[row * Ld<Dh>::accum + d];
    }
    __syncwarp();
    if (lane == 0) *lse_at = mw.lse;
  }
}

template <int Dh>
__global__ void __launch_bounds__(kThreads)
    forward_kernel(Pass pass, CallGeometry g, View qv, View kv, View vv, float* o_acc, float* lse,
                   int64_t first_group, int64_t tiles_per_group) {
  extern __shared__ __align__(128) unsigned char smem[];
  ForwardSmem<Dh> sm;
  ForwardSmem<Dh>::carve(reinterpret_cast<uintptr_t>(smem), &sm);
  const int h = blockIdx.y;
  const int64_t b = blockIdx.z;
  const TileWork w = query_tile_work(pass, g, h, first_group + blockIdx.x / tiles_per_group,
                                     blockIdx.x % tiles_per_group, kBlockM);
  if (w.rows == 0) return;

  map_positions(sm.qpos, w.grp.q, w.first, w.rows, kBlockM);
  for (int i = threadIdx.x; i < kBlockM; i += kThreads) {
    sm.m[i] = -INFINITY;
    sm.l[i] = 0;
  }
  for (int i = threadIdx.x; i < kBlockM * Ld<Dh>::accum; i += kThreads) sm.o[i] = 0;
  const float* decay = stage_decay<Dh>(sm.decay, g);
  const RowView q = rows_of(qv, b, h), k = rows_of(kv, b, h), v = rows_of(vv, b, h);
  __syncthreads();
  if (!decay) load_rows<Dh>(sm.q, q, g.q_start, sm.qpos, kBlockM, nullptr, 0, 0);

  const int row0 = threadIdx.x / 32 * 16;
  for (int64_t m0 = w.lo; m0 < w.hi; m0 += kBlockN) {
    const int rows_k = static_cast<int>(min(int64_t{kBlockN}, w.hi - m0));
    stage_key_tile<Dh>(sm, w.grp.k, m0, rows_k, g, q, k, v, decay);
    warp_mma<wmma::row_major, wmma::col_major, kBlockN / 16, Dh / 16>(
        sm.s + row0 * kLdScore, kLdScore, sm.q + row0 * Ld<Dh>::rows, Ld<Dh>::rows, sm.k,
        Ld<Dh>::rows, false);
    __syncwarp();
    online_softmax(sm, row0, pass.causal);
    __syncwarp();
    warp_mma<wmma::row_major, wmma::row_major, Dh / 16, kBlockN / 16>(
        sm.o + row0 * Ld<Dh>::accum, Ld<Dh>::accum, sm.p + row0 * kLdProb, kLdProb, sm.v,
        Ld<Dh>::rows, true);
    __syncthreads();
  }
  __syncwarp();
  merge_rows(sm, row0, g, b, h, o_acc, lse);
}

template <int Dh>
void launch(const Pass& pass, const CallGeometry& g, int64_t batch, View q, View k, View v,
            float* o_acc, float* lse, void* stream) {
  launch_pass_kernel(forward_kernel<Dh>, ForwardSmem<Dh>::carve(0, nullptr),
                     query_tiling(pass, g, kBlockM), g, batch, stream, pass, g, q, k, v, o_acc,
                     lse);
}

void wmma_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch, View q,
               View k, View v, float* o_acc, float* lse, void* stream) {
  if (head_dim == 64) return launch<64>(pass, g, batch, q, k, v, o_acc, lse, stream);
  launch<128>(pass, g, batch, q, k, v, o_acc, lse, stream);
}

}  // namespace

void wmma_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                  Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o, float* lse,
                  const CudaLaunch& launch) {
  forward_with(wmma_pass, spec, p, q, k, v, o, lse, launch);
}

}  // namespace longnet::attention::lab
