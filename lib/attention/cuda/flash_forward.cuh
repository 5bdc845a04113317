#pragma once
// The forward of one pass, FlashAttention-2 style with mma.sync: a CTA of `Warps` warps owns
// 16 * MTiles * Warps queries of a group, each warp MTiles tiles of 16 rows whose scores,
// probabilities and output stay in registers (two tiles share every K/V fragment load). Key/value tiles of 64 rows stream through two shared-memory stages by cp.async
// (the next tile is in flight while this one is multiplied), read in place at their row-map
// positions (a dilated group is rows with stride r); fragments come from XOR-swizzled tiles by
// ldmatrix (.trans for V). The CTA's (O, lse) is merged into the running result at the end:
// O = e^(lse_old - lse) O_old + e^(lse_i - lse) O_i, lse = logaddexp(lse_old, lse_i).
//
// XPOS: one origin per CTA, its first query's position c. q_i is scaled by z^((i - c)/B) once
// (at most 1), each key tile by z^((c - j)/B) after it lands, so every score carries exactly
// z^((i - j)/B); keys after c come only from the diagonal tile's span when causal.
#include "attention/cuda/launchers.h"
#include "attention/cuda/mma_ops.cuh"
#include "attention/cuda/pass_launch.cuh"

namespace longnet::attention::cuda_detail {

template <int Dh, int Warps, int MTiles>
struct FlashForward {
  static constexpr int kWarpRows = 16 * MTiles;
  static constexpr int kRows = kWarpRows * Warps;  // queries per CTA
  static constexpr int kKeys = 64;          // keys per tile
  static constexpr int kThreads = 32 * Warps;
  static constexpr int kChunks = Dh / 8;               // 16-byte chunks per row
  static constexpr int kRowStep = kThreads / kChunks;  // rows one pass of the CTA copies
  static constexpr int kQLoads = kRows / kRowStep;     // Q rows per thread
  static constexpr int kKeyLoads = kKeys / kRowStep;   // K (and V) rows per thread and tile

  bf16 *q, *k, *v;  // k, v: two stages of kKeys rows
  int64_t *qpos, *kpos;

  __host__ __device__ static size_t carve(uintptr_t base, FlashForward* out) {
    SmemCarver c{base};
    FlashForward t;
    t.q = c.take<bf16>(kRows * Dh);
    t.k = c.take<bf16>(2 * kKeys * Dh);
    t.v = c.take<bf16>(2 * kKeys * Dh);
    t.qpos = c.take<int64_t>(kRows);
    t.kpos = c.take<int64_t>(2 * kKeys);
    if (out) *out = t;
    return c.used;
  }
};

template <int Dh, int Warps, int MTiles>
__global__ void __launch_bounds__(32 * Warps)
    flash_forward_kernel(Pass pass, CallGeometry g, View qv, View kv, View vv, float* o_acc,
                         float* lse, int64_t first_group, int64_t tiles_per_group) {
  using F = FlashForward<Dh, Warps, MTiles>;
  extern __shared__ __align__(128) unsigned char smem[];
  F sm;
  F::carve(reinterpret_cast<uintptr_t>(smem), &sm);
  const int h = blockIdx.y;
  const int64_t b = blockIdx.z;
  // A group's last tiles see the most keys: they start first, so the short ones fill the tail.
  const TileWork w = query_tile_work(pass, g, h, first_group + blockIdx.x / tiles_per_group,
                                     tiles_per_group - 1 - blockIdx.x % tiles_per_group, F::kRows);
  if (w.rows == 0) return;

  const int tid = threadIdx.x, lane = tid % 32, gr = lane / 4, t = lane % 4;
  const int r0 = tid / 32 * F::kWarpRows;   // this warp's first query row
  const int my_row = tid / F::kChunks;      // first row this thread copies
  const int my_col = tid % F::kChunks * 8;  // the dims it copies
  const RowView q = rows_of(qv, b, h), k = rows_of(kv, b, h), v = rows_of(vv, b, h);
  const int64_t origin = w.grp.q.pos(w.first);
  float rate[4];  // XPOS decay rates of this thread's dim pairs
#pragma unroll
  for (int i = 0; i < 4; ++i) rate[i] = g.decay_log2[my_col / 2 + i];

#pragma unroll
  for (int i = 0; i < F::kQLoads; ++i) {
    const int r = my_row + i * F::kRowStep;
    const bool ok = r < w.rows;
    const int64_t pos = ok ? w.grp.q.pos(w.first + r) : -1;
    if (my_col == 0) sm.qpos[r] = pos;
    const uint16_t* src = q.data + (ok ? (pos - g.q_start) * q.stride_n : 0) + my_col;
    cp_async16(sm.q + swizzled<Dh>(r, my_col), src, ok);
  }
  // Copies key tile [m0, m0 + rows_k) into `stage` (positions recomputed where needed rather
  // than kept: registers are the scarce resource here).
  auto load_keys = [&](int stage, int64_t m0, int rows_k) {
#pragma unroll
    for (int i = 0; i < F::kKeyLoads; ++i) {
      const int r = my_row + i * F::kRowStep;
      const bool ok = r < rows_k;
      const int64_t pos = ok ? w.grp.k.pos(m0 + r) : -1;
      if (my_col == 0) sm.kpos[stage * F::kKeys + r] = pos;
      const int64_t row = ok ? pos - g.kv_start : 0;
      const int dst = stage * F::kKeys * Dh + swizzled<Dh>(r, my_col);
      cp_async16(sm.k + dst, k.data + row * k.stride_n + my_col, ok);
      cp_async16(sm.v + dst, v.data + row * v.stride_n + my_col, ok);
    }
  };

  const int64_t n_tiles = ceil_div(w.hi - w.lo, F::kKeys);
  if (n_tiles > 0) load_keys(0, w.lo, static_cast<int>(min(int64_t{F::kKeys}, w.hi - w.lo)));
  cp_async_commit();
  if (g.xpos) {  // the queries, scaled once for the CTA's origin
    cp_async_wait<0>();
#pragma unroll
    for (int i = 0; i < F::kQLoads; ++i) {
      const int r = my_row + i * F::kRowStep;
      if (r < w.rows) {
        scale_chunk(sm.q + swizzled<Dh>(r, my_col), rate,
                    static_cast<float>(w.grp.q.pos(w.first + r) - origin));
      }
    }
  }
  __syncthreads();
  int64_t qp[MTiles][2];  // this lane's rows: gr and gr + 8 of each of its warp's tiles
#pragma unroll
  for (int mt = 0; mt < MTiles; ++mt) {
    qp[mt][0] = sm.qpos[r0 + mt * 16 + gr];
    qp[mt][1] = sm.qpos[r0 + mt * 16 + gr + 8];
  }

  constexpr int kQk = Dh / 16, kScoreTiles = F::kKeys / 8, kOutTiles = Dh / 8;
  const float scale_log2 = kLog2e * rsqrtf(static_cast<float>(Dh));
  uint32_t qf[MTiles][kQk][4];
  float o[MTiles][kOutTiles][4] = {};
  float m[MTiles][2], l[MTiles][2] = {};
#pragma unroll
  for (int mt = 0; mt < MTiles; ++mt) m[mt][0] = m[mt][1] = -INFINITY;

  for (int64_t it = 0; it < n_tiles; ++it) {
    const int stage = static_cast<int>(it & 1);
    const int64_t m0 = w.lo + it * F::kKeys;
    const int rows_k = static_cast<int>(min(int64_t{F::kKeys}, w.hi - m0));
    if (it + 1 < n_tiles) {
      load_keys(stage ^ 1, m0 + F::kKeys,
                static_cast<int>(min(int64_t{F::kKeys}, w.hi - m0 - F::kKeys)));
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    if (g.xpos) {
#pragma unroll
      for (int i = 0; i < F::kKeyLoads; ++i) {
        const int r = my_row + i * F::kRowStep;
        if (r < rows_k) {
          scale_chunk(sm.k + stage * F::kKeys * Dh + swizzled<Dh>(r, my_col), rate,
                      static_cast<float>(origin - w.grp.k.pos(m0 + r)));
        }
      }
    }
    __syncthreads();
    const bf16* ks = sm.k + stage * F::kKeys * Dh;
    const bf16* vs = sm.v + stage * F::kKeys * Dh;
    const int64_t* kpos = sm.kpos + stage * F::kKeys;
    if (it == 0) {
#pragma unroll
      for (int mt = 0; mt < MTiles; ++mt) {
#pragma unroll
        for (int kk = 0; kk < kQk; ++kk) {
          ldmatrix_x4(qf[mt][kk],
                      sm.q + swizzled<Dh>(r0 + mt * 16 + lane % 16, kk * 16 + lane / 16 * 8));
        }
      }
    }

    float s[MTiles][kScoreTiles][4] = {};
#pragma unroll
    for (int kk = 0; kk < kQk; ++kk) {
#pragma unroll
      for (int n = 0; n < kScoreTiles; n += 2) {
        uint32_t kb[4];
        ldmatrix_x4(kb, ks + swizzled<Dh>(n * 8 + lane % 8 + lane / 16 * 8,
                                          kk * 16 + lane / 8 % 2 * 8));
#pragma unroll
        for (int mt = 0; mt < MTiles; ++mt) {
          mma16816(s[mt][n], qf[mt][kk], kb[0], kb[1]);
          mma16816(s[mt][n + 1], qf[mt][kk], kb[2], kb[3]);
        }
      }
    }
    // Only a partial tile or one reaching past the CTA's first query needs the mask.
    if (rows_k < F::kKeys || (pass.causal && kpos[rows_k - 1] > origin)) {
#pragma unroll
      for (int mt = 0; mt < MTiles; ++mt) {
#pragma unroll
        for (int n = 0; n < kScoreTiles; ++n) {
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            if (!attends(qp[mt][e / 2], kpos[n * 8 + 2 * t + e % 2], pass.causal)) {
              s[mt][n][e] = -INFINITY;
            }
          }
        }
      }
    }
#pragma unroll
    for (int mt = 0; mt < MTiles; ++mt) {
      float m_use[2];
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        float mx = -INFINITY;
#pragma unroll
        for (int n = 0; n < kScoreTiles; ++n) {
          mx = fmaxf(mx, fmaxf(s[mt][n][2 * r], s[mt][n][2 * r + 1]));
        }
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        const float m_new = fmaxf(m[mt][r], mx * scale_log2);
        m_use[r] = m_new == -INFINITY ? 0.0f : m_new;  // no key yet: keep p = 0, not NaN
        const float alpha = fast_exp2(m[mt][r] - m_use[r]);
        m[mt][r] = m_new;
        l[mt][r] *= alpha;
#pragma unroll
        for (int n = 0; n < kOutTiles; ++n) {
          o[mt][n][2 * r] *= alpha;
          o[mt][n][2 * r + 1] *= alpha;
        }
      }
#pragma unroll
      for (int n = 0; n < kScoreTiles; ++n) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          s[mt][n][e] = fast_exp2(fmaf(s[mt][n][e], scale_log2, -m_use[e / 2]));
          l[mt][e / 2] += s[mt][n][e];
        }
      }
    }
    warp_add_product<Dh, MTiles, F::kKeys>(o, s, vs, lane);  // O += P V
    __syncthreads();  // this stage is free for the tile after next
  }
  cp_async_wait<0>();  // nothing in flight at exit (no keys: Q was never waited for)

#pragma unroll
  for (int mt = 0; mt < MTiles; ++mt) {
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float sum = l[mt][r];
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      sum += __shfl_xor_sync(0xffffffffu, sum, 2);
      const bool live = qp[mt][r] >= 0 && sum > 0;
      const int64_t qrow = qp[mt][r] - g.q_start;
      float* lse_at = lse + (b * g.heads + h) * g.q_len + qrow;
      Merge mw{};
      if (live) {
        mw = merge_weights(*lse_at, (m[mt][r] + log2f(sum)) * kLn2, sum);
        float* acc = o_acc + ((b * g.q_len + qrow) * g.heads + h) * Dh + 2 * t;
#pragma unroll
        for (int n = 0; n < kOutTiles; ++n) {
          float2 x = *reinterpret_cast<float2*>(acc + n * 8);
          x.x = mw.w_old * x.x + mw.w_pass * o[mt][n][2 * r];
          x.y = mw.w_old * x.y + mw.w_pass * o[mt][n][2 * r + 1];
          *reinterpret_cast<float2*>(acc + n * 8) = x;
        }
      }
      __syncwarp();  // the quad has read lse before it is overwritten
      if (live && t == 0) *lse_at = mw.lse;
    }
  }
}

// Runs the pass with CTAs of `Warps` warps of 16 * MTiles query rows each.
template <int Dh, int Warps, int MTiles = 1>
void launch_flash_forward(const Pass& pass, const CallGeometry& g, int64_t batch, View q, View k,
                          View v, float* o_acc, float* lse, void* stream) {
  using F = FlashForward<Dh, Warps, MTiles>;
  launch_pass_kernel<F::kThreads>(flash_forward_kernel<Dh, Warps, MTiles>, F::carve(0, nullptr),
                                  query_tiling(pass, g, F::kRows), g, batch, stream, pass, g, q,
                                  k, v, o_acc, lse);
}

}  // namespace longnet::attention::cuda_detail
