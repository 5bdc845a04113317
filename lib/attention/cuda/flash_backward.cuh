#pragma once
// The backward of one pass, FlashAttention-2 style with mma.sync, from the MERGED O and lse:
// P = exp(S - lse) is this pass's share of the one softmax over all passes' keys, and
// dS = P (dP - D) with D = rowsum(dO * O) is that softmax's exact gradient. Two kernels, each
// the sole writer of its rows, so there are no atomics and the result is the same bits on every
// run (passes run one after the other on the stream, so they add up in a fixed order):
// - KeyOwner: a CTA owns a tile of a group's keys (K, V kept in shared memory) and streams
//   the query tiles that see them (Q, dO, lse, D): S^T = K Q^T, dP^T = V dO^T, then
//   dV += P^T dO and dK += dS^T Q in registers.
// - query owner: a CTA owns a tile of queries (Q, dO) and streams key tiles (K, V):
//   S = Q K^T, dP = dO V^T, dQ += dS K.
// A warp owns Tiles tiles of 16 rows (each streamed fragment feeds all of them); scores, dP, P,
// dS and the accumulators stay in registers (P and dS become
// A operands by packing); streamed tiles go through two cp.async stages of XOR-swizzled rows
// read in place at their row-map positions, fragments by ldmatrix (.trans for the right-hand
// side of the accumulating products), as in flash_forward.cuh.
//
// XPOS: one origin c per CTA - its last key (KeyOwner) or first query - so every factor but the
// diagonal tile's is at most 1. q_i carries z^((i - c)/B), k_j carries z^((c - j)/B) (applied
// once to the owned rows, to each streamed tile when it lands), every score carries exactly
// z^((i - j)/B), and the owned rows' gradient takes their own factor at the end:
// dK_j = z^((c - j)/B) sum_i dS_ij q~_i, dQ_i = z^((i - c)/B) sum_j dS_ij k~_j.
#include "attention/cuda/launchers.h"
#include "attention/cuda/mma_ops.cuh"
#include "attention/cuda/pass_launch.cuh"

namespace longnet::attention::cuda_detail {

// Kernels take the shape as plain ints (nvcc's launch stubs do not take class-type template
// parameters).
template <int Dh, int Warps, int Tiles, int Visit, bool KeyOwner>
struct FlashBackward {
  static constexpr int kOwn = 16 * Tiles * Warps;  // owned rows per CTA
  static constexpr int kThreads = 32 * Warps;
  static constexpr int kChunks = Dh / 8;               // 16-byte chunks per row
  static constexpr int kRowStep = kThreads / kChunks;  // rows one pass of the CTA copies
  static_assert(kOwn % kRowStep == 0 && Visit % kRowStep == 0, "tile rows per copy pass");

  // own_a, own_b: K, V (KeyOwner) or Q, dO; vis_x, vis_y: two stages of Q, dO (KeyOwner) or K, V.
  __nv_bfloat16 *own_a, *own_b, *vis_x, *vis_y;
  int64_t *own_pos, *vis_pos;  // vis_pos: two stages
  float *vis_lse, *vis_dsum;   // KeyOwner: lse and D of the streamed queries, two stages

  __host__ __device__ static size_t carve(uintptr_t base, FlashBackward* out) {
    SmemCarver c{base};
    FlashBackward t;
    t.own_a = c.take<__nv_bfloat16>(kOwn * Dh);
    t.own_b = c.take<__nv_bfloat16>(kOwn * Dh);
    t.vis_x = c.take<__nv_bfloat16>(2 * Visit * Dh);
    t.vis_y = c.take<__nv_bfloat16>(2 * Visit * Dh);
    t.own_pos = c.take<int64_t>(kOwn);
    t.vis_pos = c.take<int64_t>(2 * Visit);
    t.vis_lse = c.take<float>(2 * Visit);
    t.vis_dsum = c.take<float>(2 * Visit);
    if (out) *out = t;
    return c.used;
  }
};

struct FlashBackwardArgs {
  View q, k, v, d_o;
  const float* lse;
  const float* dsum;
  float *dq_acc, *dk_acc, *dv_acc;
};

// Where the row statistics (lse, D) of the query at global position qp are.
__device__ inline int64_t stats_index(const CallGeometry& g, int64_t b, int h, int64_t qp) {
  return (b * g.heads + h) * g.q_len + (qp - g.q_start);
}

// (lse in base 2, D) from a query's lse and D; lse +inf where the query sees no key, so
// exp2(s - lse) is 0 there.
__device__ inline float2 base2_stats(float lse, float dsum) {
  return {lse == -INFINITY ? INFINITY : lse * kLog2e, dsum};
}

// out[row] += factor * acc for this lane's two rows (positions pos[0..1], -1: none) of a
// [batch, rows, heads, Dh] fp32 buffer; factor: `scale`, times with `decay` the row's XPOS
// factor z^(sign (x - origin)/B).
template <int Dh>
__device__ inline void add_owned_rows(float* out, const float (&acc)[Dh / 8][4],
                                      const int64_t (&pos)[2], int64_t row_start, int64_t len,
                                      int64_t b, int h, int t,
                                      const CallGeometry& g, bool decay, int64_t origin,
                                      float sign, float scale) {
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    if (pos[r] < 0) continue;
    float* row = out + ((b * len + pos[r] - row_start) * g.heads + h) * Dh + 2 * t;
    const float d = sign * static_cast<float>(pos[r] - origin);
#pragma unroll
    for (int n = 0; n < Dh / 8; ++n) {
      const float f = decay ? scale * exp2f(g.decay_log2[n * 4 + t] * d) : scale;
      float2 x = *reinterpret_cast<float2*>(row + n * 8);
      x.x += f * acc[n][2 * r];
      x.y += f * acc[n][2 * r + 1];
      *reinterpret_cast<float2*>(row + n * 8) = x;
    }
  }
}

template <int Dh, int Warps, int M, int Visit, bool KeyOwner, int CtasPerSm>
__global__ void __launch_bounds__(32 * Warps, CtasPerSm)
    flash_backward_kernel(Pass pass, CallGeometry g, FlashBackwardArgs a, int64_t first_group,
                          int64_t tiles_per_group) {
  using F = FlashBackward<Dh, Warps, M, Visit, KeyOwner>;
  extern __shared__ __align__(128) unsigned char smem[];
  F sm;
  F::carve(reinterpret_cast<uintptr_t>(smem), &sm);
  const int h = blockIdx.y;
  const int64_t b = blockIdx.z;
  // The tiles that visit the most rows start first (a group's first keys, its last queries).
  const int64_t group = first_group + blockIdx.x / tiles_per_group;
  const int64_t tile = blockIdx.x % tiles_per_group;
  const TileWork w = KeyOwner ? key_tile_work(pass, g, h, group, tile, F::kOwn)
                              : query_tile_work(pass, g, h, group, tiles_per_group - 1 - tile,
                                                F::kOwn);
  if (w.rows == 0) return;

  const int tid = threadIdx.x, lane = tid % 32, gr = lane / 4, t = lane % 4;
  const int r0 = tid / 32 * 16 * M;         // this warp's first owned row
  const int my_row = tid / F::kChunks;      // first row this thread copies
  const int my_col = tid % F::kChunks * 8;  // the dims it copies
  const RowMap own = KeyOwner ? w.grp.k : w.grp.q, vis = KeyOwner ? w.grp.q : w.grp.k;
  const RowView own_a = rows_of(KeyOwner ? a.k : a.q, b, h);
  const RowView own_b = rows_of(KeyOwner ? a.v : a.d_o, b, h);
  const RowView vis_x = rows_of(KeyOwner ? a.q : a.k, b, h);
  const RowView vis_y = rows_of(KeyOwner ? a.d_o : a.v, b, h);
  const int64_t own_start = KeyOwner ? g.kv_start : g.q_start;
  const int64_t vis_start = KeyOwner ? g.q_start : g.kv_start;
  const int64_t origin = own.pos(w.first + (KeyOwner ? w.rows - 1 : 0));
  // A row at position x carries z^(own_sign (x - c)/B) if owned, z^(-own_sign (x - c)/B) if
  // streamed: keys -, queries +.
  const float own_sign = KeyOwner ? -1.0f : 1.0f;
  float rate[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) rate[i] = g.decay_log2[my_col / 2 + i];

#pragma unroll
  for (int i = 0; i < F::kOwn / F::kRowStep; ++i) {
    const int r = my_row + i * F::kRowStep;
    const bool ok = r < w.rows;
    const int64_t pos = ok ? own.pos(w.first + r) : -1;
    if (my_col == 0) sm.own_pos[r] = pos;
    const int64_t row = ok ? pos - own_start : 0;
    cp_async16(sm.own_a + swizzled<Dh>(r, my_col), own_a.data + row * own_a.stride_n + my_col, ok);
    cp_async16(sm.own_b + swizzled<Dh>(r, my_col), own_b.data + row * own_b.stride_n + my_col, ok);
  }
  auto load_visited = [&](int stage, int64_t m0, int rows_v) {
#pragma unroll
    for (int i = 0; i < Visit / F::kRowStep; ++i) {
      const int r = my_row + i * F::kRowStep;
      const bool ok = r < rows_v;
      const int64_t pos = ok ? vis.pos(m0 + r) : -1;
      if (my_col == 0) sm.vis_pos[stage * Visit + r] = pos;
      const int64_t row = ok ? pos - vis_start : 0;
      const int dst = stage * Visit * Dh + swizzled<Dh>(r, my_col);
      cp_async16(sm.vis_x + dst, vis_x.data + row * vis_x.stride_n + my_col, ok);
      cp_async16(sm.vis_y + dst, vis_y.data + row * vis_y.stride_n + my_col, ok);
    }
    if (KeyOwner && tid < Visit) {  // the queries' lse and D, in flight with their rows
      const bool ok = tid < rows_v;
      const int64_t at = ok ? stats_index(g, b, h, vis.pos(m0 + tid)) : 0;
      cp_async4(sm.vis_lse + stage * Visit + tid, a.lse + at, ok);
      cp_async4(sm.vis_dsum + stage * Visit + tid, a.dsum + at, ok);
    }
  };

  const int64_t n_tiles = ceil_div(w.hi - w.lo, Visit);
  if (n_tiles > 0) load_visited(0, w.lo, static_cast<int>(min(int64_t{Visit}, w.hi - w.lo)));
  cp_async_commit();
  if (g.xpos) {  // the owned rows (only own_a: K or Q), scaled once for the CTA's origin
    cp_async_wait<0>();
#pragma unroll
    for (int i = 0; i < F::kOwn / F::kRowStep; ++i) {
      const int r = my_row + i * F::kRowStep;
      if (r < w.rows) {
        scale_chunk(sm.own_a + swizzled<Dh>(r, my_col), rate,
                    own_sign * static_cast<float>(own.pos(w.first + r) - origin));
      }
    }
  }
  __syncthreads();
  int64_t own_pos[M][2];     // this lane's rows: gr and gr + 8 of each of its warp's tiles
  float2 own_stats[M][2] = {};  // query owner: their (lse log2, D)
#pragma unroll
  for (int mt = 0; mt < M; ++mt) {
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      own_pos[mt][r] = sm.own_pos[r0 + mt * 16 + gr + 8 * r];
      if constexpr (!KeyOwner) {
        const int64_t at = stats_index(g, b, h, own_pos[mt][r]);
        own_stats[mt][r] = own_pos[mt][r] < 0 ? float2{INFINITY, 0.0f}
                                               : base2_stats(a.lse[at], a.dsum[at]);
      }
    }
  }

  constexpr int kCols = Visit / 8;
  const float inv_sqrt = rsqrtf(static_cast<float>(Dh));
  const float scale_log2 = kLog2e * inv_sqrt;
  float acc_a[M][Dh / 8][4] = {};  // dK (KeyOwner) or dQ, before the XPOS factor and 1/sqrt(Dh)
  float acc_b[M][KeyOwner ? Dh / 8 : 1][4] = {};  // dV

  for (int64_t it = 0; it < n_tiles; ++it) {
    const int stage = static_cast<int>(it & 1);
    const int64_t m0 = w.lo + it * Visit;
    const int rows_v = static_cast<int>(min(int64_t{Visit}, w.hi - m0));
    if (it + 1 < n_tiles) {
      load_visited(stage ^ 1, m0 + Visit, static_cast<int>(min(int64_t{Visit}, w.hi - m0 - Visit)));
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    if (g.xpos) {  // only vis_x: Q (KeyOwner) or K
#pragma unroll
      for (int i = 0; i < Visit / F::kRowStep; ++i) {
        const int r = my_row + i * F::kRowStep;
        if (r < rows_v) {
          scale_chunk(sm.vis_x + stage * Visit * Dh + swizzled<Dh>(r, my_col), rate,
                      -own_sign * static_cast<float>(vis.pos(m0 + r) - origin));
        }
      }
    }
    __syncthreads();
    const __nv_bfloat16* xs = sm.vis_x + stage * Visit * Dh;
    const __nv_bfloat16* ys = sm.vis_y + stage * Visit * Dh;
    const int64_t* vpos = sm.vis_pos + stage * Visit;

    float s[M][kCols][4] = {}, dp[M][kCols][4] = {};
    warp_scores<Dh, M, Visit>(s, sm.own_a, r0, xs, lane);
    warp_scores<Dh, M, Visit>(dp, sm.own_b, r0, ys, lane);
    float2 col_stats[kCols][2];  // KeyOwner: of this lane's columns n * 8 + 2t + c
    if constexpr (KeyOwner) {
#pragma unroll
      for (int n = 0; n < kCols; ++n) {
#pragma unroll
        for (int c = 0; c < 2; ++c) {
          const int col = stage * Visit + n * 8 + 2 * t + c;
          col_stats[n][c] = base2_stats(sm.vis_lse[col], sm.vis_dsum[col]);
        }
      }
    }
    // Only a partial tile or one crossing the causal diagonal needs the mask.
    const bool masked =
        rows_v < Visit ||
        (pass.causal && (KeyOwner ? vpos[0] < sm.own_pos[w.rows - 1] : vpos[rows_v - 1] > origin));
#pragma unroll
    for (int mt = 0; mt < M; ++mt) {
#pragma unroll
      for (int n = 0; n < kCols; ++n) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int col = n * 8 + 2 * t + e % 2;
          const float2 st = KeyOwner ? col_stats[n][e % 2] : own_stats[mt][e / 2];
          float p = fast_exp2(fmaf(s[mt][n][e], scale_log2, -st.x));
          if (masked) {
            const int64_t mine = own_pos[mt][e / 2], other = vpos[col];
            if (!(KeyOwner ? attends(other, mine, pass.causal)
                           : attends(mine, other, pass.causal))) {
              p = 0.0f;
            }
          }
          s[mt][n][e] = p;
          dp[mt][n][e] = p * (dp[mt][n][e] - st.y);
        }
      }
    }
    warp_add_product<Dh, M, Visit>(acc_a, dp, xs, lane);
    if constexpr (KeyOwner) warp_add_product<Dh, M, Visit>(acc_b, s, ys, lane);
    __syncthreads();  // this stage is free for the tile after next
  }
  cp_async_wait<0>();  // nothing in flight at exit
  if (n_tiles == 0) return;

#pragma unroll
  for (int mt = 0; mt < M; ++mt) {
    if constexpr (KeyOwner) {
      add_owned_rows<Dh>(a.dk_acc, acc_a[mt], own_pos[mt], g.kv_start, g.kv_len, b, h, t, g,
                         g.xpos, origin, own_sign, inv_sqrt);
      add_owned_rows<Dh>(a.dv_acc, acc_b[mt], own_pos[mt], g.kv_start, g.kv_len, b, h, t, g,
                         false, 0, 0.0f, 1.0f);
    } else {
      add_owned_rows<Dh>(a.dq_acc, acc_a[mt], own_pos[mt], g.q_start, g.q_len, b, h, t, g,
                         g.xpos, origin, own_sign, inv_sqrt);
    }
  }
}

// dK, dV (one kernel, CTAs of shape KeyShape) and dQ (a second, QueryShape) of one pass, added
// into the fp32 accumulators.
template <int Dh, BackwardShape KeyShape, BackwardShape QueryShape>
void launch_flash_backward(const Pass& pass, const CallGeometry& g, int64_t batch,
                           const FlashBackwardArgs& a, void* stream) {
  constexpr BackwardShape k = KeyShape, q = QueryShape;
  using K = FlashBackward<Dh, k.warps, k.tiles, k.visit, true>;
  using Q = FlashBackward<Dh, q.warps, q.tiles, q.visit, false>;
  launch_pass_kernel<K::kThreads>(flash_backward_kernel<Dh, k.warps, k.tiles, k.visit, true, k.ctas_per_sm>,
                                  K::carve(0, nullptr), key_tiling(pass, g, K::kOwn), g, batch,
                                  stream, pass, g, a);
  launch_pass_kernel<Q::kThreads>(flash_backward_kernel<Dh, q.warps, q.tiles, q.visit, false, q.ctas_per_sm>,
                                  Q::carve(0, nullptr), query_tiling(pass, g, Q::kOwn), g, batch,
                                  stream, pass, g, a);
}

}  // namespace longnet::attention::cuda_detail
