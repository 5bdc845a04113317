// Variant 09: the library's backward until session 2 (WMMA, every tile staged in shared memory),
// in its deterministic form (dQ by a second, query-owning kernel). Flash-style backward of one
// pass, from the MERGED O and lse: P = exp(S - lse), so each pass's
// P is its share of the one softmax over all passes' keys, and dS = P * (dP - D) with
// D = rowsum(dO * O) is that softmax's exact gradient. Two kernels:
// - key_kernel: a CTA owns a tile of a group's keys, loops over the queries that see them and
//   adds dK, dV into fp32 accumulators (each key row has one owner per pass, so no atomics);
//   dQ goes out by float atomics unless dQ is computed separately.
// - query_kernel: a CTA owns a tile of queries and adds its dQ with no atomics (deterministic).
#include "attention/cuda/launchers.h"
#include "attention/cuda/pass_launch.cuh"
#include "variants.h"

namespace longnet::attention::cuda_detail {
namespace {

constexpr int kLdScratch = 20;  // one warp's 16 x 16 fp32 staging tile

template <int Dh>
struct BackwardSmem {
  bf16 *q, *d_o, *k, *v, *p, *ds;
  float *s, *dp, *acc_a, *acc_b, *scratch, *lse, *dsum, *decay;
  int64_t *qpos, *kpos;

  // acc_a, acc_b: dK, dV (key kernel, kBlockN rows) or dQ (query kernel, kBlockM rows).
  __host__ __device__ static size_t carve(uintptr_t base, BackwardSmem* out, bool key_kernel) {
    SmemCarver c{base};
    BackwardSmem t;
    t.q = c.take<bf16>(kBlockM * Ld<Dh>::rows);
    t.d_o = c.take<bf16>(kBlockM * Ld<Dh>::rows);
    t.k = c.take<bf16>(kBlockN * Ld<Dh>::rows);
    t.v = c.take<bf16>(kBlockN * Ld<Dh>::rows);
    t.p = key_kernel ? c.take<bf16>(kBlockM * kLdProb) : nullptr;
    t.ds = c.take<bf16>(kBlockM * kLdProb);
    t.s = c.take<float>(kBlockM * kLdScore);
    t.dp = c.take<float>(kBlockM * kLdScore);
    t.acc_a = c.take<float>((key_kernel ? kBlockN : kBlockM) * Ld<Dh>::accum);
    t.acc_b = key_kernel ? c.take<float>(kBlockN * Ld<Dh>::accum) : nullptr;
    t.scratch = c.take<float>(kWarps * 16 * kLdScratch);
    t.lse = c.take<float>(kBlockM);
    t.dsum = c.take<float>(kBlockM);
    t.decay = c.take<float>(Dh / 2);
    t.qpos = c.take<int64_t>(kBlockM);
    t.kpos = c.take<int64_t>(kBlockN);
    if (out) *out = t;
    return c.used;
  }
};

struct BackwardArgs {
  View q, k, v, d_o;
  const float* lse;
  const float* dsum;
  float *dq_acc, *dk_acc, *dv_acc;
};

// lse and D of the query tile's rows (lse -inf where there is no row).
template <int Dh>
__device__ void load_row_stats(const BackwardSmem<Dh>& sm, const BackwardArgs& a,
                               const CallGeometry& g, int64_t b, int h) {
  for (int i = threadIdx.x; i < kBlockM; i += kThreads) {
    const int64_t qp = sm.qpos[i];
    const int64_t at = (b * g.heads + h) * g.q_len + (qp - g.q_start);
    sm.lse[i] = qp >= 0 ? a.lse[at] : -INFINITY;
    sm.dsum[i] = qp >= 0 ? a.dsum[at] : 0.0f;
  }
}

// One warp's 16 query rows: S = Q K^T and dP = dO V^T, then P = exp(S - lse) (into p when
// given) and dS = P (dP - D) / sqrt(Dh), the gradient with respect to Q.K.
template <int Dh>
__device__ void probabilities_and_ds(const BackwardSmem<Dh>& sm, int row0, bool causal) {
  warp_mma<wmma::row_major, wmma::col_major, kBlockN / 16, Dh / 16>(
      sm.s + row0 * kLdScore, kLdScore, sm.q + row0 * Ld<Dh>::rows, Ld<Dh>::rows, sm.k,
      Ld<Dh>::rows, false);
  warp_mma<wmma::row_major, wmma::col_major, kBlockN / 16, Dh / 16>(
      sm.dp + row0 * kLdScore, kLdScore, sm.d_o + row0 * Ld<Dh>::rows, Ld<Dh>::rows, sm.v,
      Ld<Dh>::rows, false);
  __syncwarp();
  const int lane = threadIdx.x % 32;
  const float inv_sqrt = rsqrtf(static_cast<float>(Dh));
  const float scale_log2 = kLog2e * inv_sqrt;
  for (int row = row0; row < row0 + 16; ++row) {
    const int64_t qp = sm.qpos[row];
    const float lse_log2 = sm.lse[row] * kLog2e;
    for (int col = lane; col < kBlockN; col += 32) {
      const bool ok = attends(qp, sm.kpos[col], causal) && lse_log2 > -INFINITY;
      const float p = ok ? exp2f(sm.s[row * kLdScore + col] * scale_log2 - lse_log2) : 0.0f;
      const float ds = p * (sm.dp[row * kLdScore + col] - sm.dsum[row]) * inv_sqrt;
      if (sm.p) sm.p[row * kLdProb + col] = __float2bfloat16(p);
      sm.ds[row * kLdProb + col] = __float2bfloat16(ds);
    }
  }
  __syncwarp();
}

// acc[16 rows from row0][:] += factor(row, col) * (A B)[16 x Dh] for one warp, where the XPOS
// factor of a row at pos[row] depends on the tile's origin (decay null: factor 1).
template <class LayoutA, int KT, int Dh>
__device__ void accumulate_scaled(float* acc, const bf16* a, int lda, const bf16* b,
                                  float* scratch, const int64_t* pos, int row0,
                                  const float* decay, int64_t origin, float sign) {
  if (!decay) {
    warp_mma<LayoutA, wmma::row_major, Dh / 16, KT>(acc + row0 * Ld<Dh>::accum, Ld<Dh>::accum, a,
                                                    lda, b, Ld<Dh>::rows, true);
    return;
  }
  const int lane = threadIdx.x % 32;
  for (int n = 0; n < Dh / 16; ++n) {
    warp_mma<LayoutA, wmma::row_major, 1, KT>(scratch, kLdScratch, a, lda, b + n * 16,
                                              Ld<Dh>::rows, false);
    __syncwarp();
    for (int e = lane; e < 256; e += 32) {
      const int r = e / 16, col = n * 16 + e % 16;
      const int64_t x = pos[row0 + r];
      if (x >= 0) {
        acc[(row0 + r) * Ld<Dh>::accum + col] +=
            decay_factor(decay, col, x, origin, sign) * scratch[r * kLdScratch + e % 16];
      }
    }
    __syncwarp();
  }
}

// Adds a tile's fp32 rows into a global [batch, rows, heads, dim] accumulator.
template <int Dh>
__device__ void add_rows(float* global, const float* tile, const int64_t* pos, int rows,
                         int64_t row_start, int64_t len, int64_t heads, int64_t b, int h) {
  for (int e = threadIdx.x; e < rows * Dh; e += kThreads) {
    const int r = e / Dh, d = e % Dh;
    if (pos[r] < 0) continue;
    global[((b * len + pos[r] - row_start) * heads + h) * Dh + d] += tile[r * Ld<Dh>::accum + d];
  }
}

template <int Dh, bool kAtomicDq>
__global__ void __launch_bounds__(kThreads)
    key_kernel(Pass pass, CallGeometry g, BackwardArgs a, int64_t first_group,
               int64_t tiles_per_group) {
  extern __shared__ __align__(128) unsigned char smem[];
  BackwardSmem<Dh> sm;
  BackwardSmem<Dh>::carve(reinterpret_cast<uintptr_t>(smem), &sm, true);
  const int h = blockIdx.y;
  const int64_t b = blockIdx.z;
  const TileWork w = key_tile_work(pass, g, h, first_group + blockIdx.x / tiles_per_group,
                                   blockIdx.x % tiles_per_group, kBlockN);
  if (w.rows == 0) return;
  const int rows_k = w.rows;

  map_positions(sm.kpos, w.grp.k, w.first, rows_k, kBlockN);
  for (int i = threadIdx.x; i < kBlockN * Ld<Dh>::accum; i += kThreads) sm.acc_a[i] = sm.acc_b[i] = 0;
  const float* decay = stage_decay<Dh>(sm.decay, g);
  const RowView q = rows_of(a.q, b, h), k = rows_of(a.k, b, h), v = rows_of(a.v, b, h),
                d_o = rows_of(a.d_o, b, h);
  __syncthreads();
  if (!decay) load_rows<Dh>(sm.k, k, g.kv_start, sm.kpos, kBlockN, nullptr, 0, 0);
  load_rows<Dh>(sm.v, v, g.kv_start, sm.kpos, kBlockN, nullptr, 0, 0);

  const int row0 = threadIdx.x / 32 * 16;
  float* scratch = sm.scratch + threadIdx.x / 32 * 16 * kLdScratch;
  for (int64_t i0 = w.lo; i0 < w.hi; i0 += kBlockM) {
    const int rows_q = static_cast<int>(min(int64_t{kBlockM}, w.hi - i0));
    map_positions(sm.qpos, w.grp.q, i0, rows_q, kBlockM);
    __syncthreads();
    load_row_stats(sm, a, g, b, h);
    const int64_t origin = xpos_origin(sm.qpos[0], sm.kpos[rows_k - 1]);
    load_rows<Dh>(sm.q, q, g.q_start, sm.qpos, kBlockM, decay, origin, 1.0f);
    load_rows<Dh>(sm.d_o, d_o, g.q_start, sm.qpos, kBlockM, nullptr, 0, 0);
    if (decay) load_rows<Dh>(sm.k, k, g.kv_start, sm.kpos, kBlockN, decay, origin, -1.0f);
    __syncthreads();
    probabilities_and_ds(sm, row0, pass.causal);
    __syncthreads();
    // This warp's 16 key rows: dV += P^T dO, dK += dS^T Q (P^T, dS^T read column-major).
    warp_mma<wmma::col_major, wmma::row_major, Dh / 16, kBlockM / 16>(
        sm.acc_b + row0 * Ld<Dh>::accum, Ld<Dh>::accum, sm.p + row0, kLdProb, sm.d_o,
        Ld<Dh>::rows, true);
    accumulate_scaled<wmma::col_major, kBlockM / 16, Dh>(sm.acc_a, sm.ds + row0, kLdProb, sm.q,
                                                         scratch, sm.kpos, row0, decay, origin,
                                                         -1.0f);
    if constexpr (kAtomicDq) {
      // This warp's 16 query rows: dQ += dS K, straight to the global accumulator.
      const int lane = threadIdx.x % 32;
      for (int n = 0; n < Dh / 16; ++n) {
        warp_mma<wmma::row_major, wmma::row_major, 1, kBlockN / 16>(
            scratch, kLdScratch, sm.ds + row0 * kLdProb, kLdProb, sm.k + n * 16, Ld<Dh>::rows,
            false);
        __syncwarp();
        for (int e = lane; e < 256; e += 32) {
          const int r = e / 16, col = n * 16 + e % 16;
          const int64_t qp = sm.qpos[row0 + r];
          if (qp < 0) continue;
          const float f = decay ? decay_factor(decay, col, qp, origin, 1.0f) : 1.0f;
          atomicAdd(a.dq_acc + ((b * g.q_len + qp - g.q_start) * g.heads + h) * Dh + col,
                    f * scratch[r * kLdScratch + e % 16]);
        }
        __syncwarp();
      }
    }
    __syncthreads();
  }
  add_rows<Dh>(a.dk_acc, sm.acc_a, sm.kpos, rows_k, g.kv_start, g.kv_len, g.heads, b, h);
  add_rows<Dh>(a.dv_acc, sm.acc_b, sm.kpos, rows_k, g.kv_start, g.kv_len, g.heads, b, h);
}

template <int Dh>
__global__ void __launch_bounds__(kThreads)
    query_kernel(Pass pass, CallGeometry g, BackwardArgs a, int64_t first_group,
                 int64_t tiles_per_group) {
  extern __shared__ __align__(128) unsigned char smem[];
  BackwardSmem<Dh> sm;
  BackwardSmem<Dh>::carve(reinterpret_cast<uintptr_t>(smem), &sm, false);
  const int h = blockIdx.y;
  const int64_t b = blockIdx.z;
  const TileWork w = query_tile_work(pass, g, h, first_group + blockIdx.x / tiles_per_group,
                                     blockIdx.x % tiles_per_group, kBlockM);
  if (w.rows == 0) return;

  map_positions(sm.qpos, w.grp.q, w.first, w.rows, kBlockM);
  for (int i = threadIdx.x; i < kBlockM * Ld<Dh>::accum; i += kThreads) sm.acc_a[i] = 0;
  const float* decay = stage_decay<Dh>(sm.decay, g);
  const RowView q = rows_of(a.q, b, h), k = rows_of(a.k, b, h), v = rows_of(a.v, b, h),
                d_o = rows_of(a.d_o, b, h);
  __syncthreads();
  load_row_stats(sm, a, g, b, h);
  load_rows<Dh>(sm.d_o, d_o, g.q_start, sm.qpos, kBlockM, nullptr, 0, 0);
  if (!decay) load_rows<Dh>(sm.q, q, g.q_start, sm.qpos, kBlockM, nullptr, 0, 0);

  const int row0 = threadIdx.x / 32 * 16;
  float* scratch = sm.scratch + threadIdx.x / 32 * 16 * kLdScratch;
  for (int64_t m0 = w.lo; m0 < w.hi; m0 += kBlockN) {
    const int rows_k = static_cast<int>(min(int64_t{kBlockN}, w.hi - m0));
    const int64_t origin = stage_key_tile<Dh>(sm, w.grp.k, m0, rows_k, g, q, k, v, decay);
    probabilities_and_ds(sm, row0, pass.causal);
    accumulate_scaled<wmma::row_major, kBlockN / 16, Dh>(sm.acc_a, sm.ds + row0 * kLdProb,
                                                         kLdProb, sm.k, scratch, sm.qpos, row0,
                                                         decay, origin, 1.0f);
    __syncthreads();
  }
  add_rows<Dh>(a.dq_acc, sm.acc_a, sm.qpos, w.rows, g.q_start, g.q_len, g.heads, b, h);
}

template <int Dh>
void key_pass(const Pass& pass, const CallGeometry& g, int64_t batch, const BackwardArgs& a,
              bool dq_separately, void* stream) {
  const size_t smem = BackwardSmem<Dh>::carve(0, nullptr, true);
  const PassTiling t = key_tiling(pass, g, kBlockN);
  if (dq_separately) {
    return launch_pass_kernel(key_kernel<Dh, false>, smem, t, g, batch, stream, pass, g, a);
  }
  launch_pass_kernel(key_kernel<Dh, true>, smem, t, g, batch, stream, pass, g, a);
}

// One pass: dK, dV by key-owning CTAs, then dQ by query-owning CTAs (no atomics).
void wmma_backward_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch,
                        View q, View k, View v, View d_o, const float* lse, const float* dsum,
                        float* dq_acc, float* dk_acc, float* dv_acc, void* stream) {
  const BackwardArgs a{q, k, v, d_o, lse, dsum, dq_acc, dk_acc, dv_acc};
  if (head_dim == 64) {
    key_pass<64>(pass, g, batch, a, true, stream);
  } else {
    key_pass<128>(pass, g, batch, a, true, stream);
  }
  const PassTiling t = query_tiling(pass, g, kBlockM);
  if (head_dim == 64) {
    return launch_pass_kernel(query_kernel<64>, BackwardSmem<64>::carve(0, nullptr, false), t, g,
                              batch, stream, pass, g, a);
  }
  launch_pass_kernel(query_kernel<128>, BackwardSmem<128>::carve(0, nullptr, false), t, g, batch,
                     stream, pass, g, a);
}

}  // namespace
}  // namespace longnet::attention::cuda_detail

namespace longnet::attention::lab {

void wmma_backward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                   Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<const bf16_bits> o,
                   Bnhd<const bf16_bits> d_o, const float* lse, Bnhd<bf16_bits> dq,
                   Bnhd<bf16_bits> dk, Bnhd<bf16_bits> dv, bool, const CudaLaunch& launch) {
  cuda_detail::backward_with(cuda_detail::wmma_backward_pass, spec, p, q, k, v, o, d_o, lse, dq,
                             dk, dv, launch);
}

}  // namespace longnet::attention::lab
