// Variant 16: the backward without the dQ kernel's recompute of S and dP (7 matmul units -> 5),
// still deterministic (notes_backward.md, "Variant 16"). Per strided pass:
// - key kernel: variant 15's dK/dV kernel (flash_backward.cuh, KeyOwner), which already packs
//   dS^T to bf16 as the A operand of dK += dS^T Q; it also stores those packed fragments, one
//   16-byte store per lane and 16 x 16 block, into a workspace of dS tiles.
// - dQ kernel: a CTA owns 64 queries and streams the key tiles they see (K only): it loads its
//   dS fragments straight from the workspace (no shared memory), transposes each 8 x 8 piece in
//   registers (movmatrix) and adds dQ += dS K. Each dQ row has one owner and sums its key tiles
//   in key order, so the bits are the same on every run.
// The dS values are exactly the bf16 operands the recomputing kernel fed its dQ product, so only
// the fp32 summation order of dQ changes. Summary passes (sparse) keep variant 15/11's kernels:
// their key groups and query groups differ, which the tile indexing below does not cover.
//
// The workspace is the dS of every (key tile, 32-query step) pair of one pass, rectangular per
// group (the causal half above the diagonal is allocated, never touched); passes reuse it.
// BackwardPassFn has no workspace parameter and the library stays unchanged for a lab variant,
// so the lab owns that buffer (ds_buffer below).
#include <cuda_runtime.h>

#include <algorithm>

#include "attention/cuda/flash_backward.cuh"
#include "variants.h"

namespace longnet::attention::lab {
namespace {

using namespace cuda_detail;

constexpr int kStep = 32;    // queries per step of the key kernel: the dS tiles' rows
constexpr int kDqWarps = 4;  // dQ kernel: 4 warps x 16 owned queries
constexpr int kBlockChunks = 32;  // 16-byte chunks of a 16 x 16 block's fragments: one a lane

// The dS tiles of one strided pass: for each (batch, head, group, key tile, query step) a block
// of key_rows x kStep values as [warp][16-query half][lane] uint4, the key kernel's packed A
// fragments of dS^T (lane's rows gr, gr + 8, column pairs 2t, 2t + 8). Query steps are on a grid
// from the group's row 0, so both kernels find a block from row indices alone.
struct DsTiles {
  uint4* data;
  int64_t first_group, groups, key_tiles, steps;
  int heads;

  template <int KeyRows>
  __device__ uint4* block(int64_t b, int h, int64_t group, int64_t key_tile, int64_t step) const {
    const int64_t at = (((b * heads + h) * groups + group - first_group) * key_tiles + key_tile) *
                           steps + step;
    return data + at * (KeyRows / 16) * (kStep / 16) * kBlockChunks;
  }
};

// One warp's acc[16 x Dh] += A[16 x 16 Kt] Y[16 Kt x Dh], A given as packed bf16 fragments (one
// per 16 columns), Y a swizzled shared tile read by ldmatrix.trans: flash_backward.cuh's
// accumulating product for operands that are already bf16.
template <int Dh, int Kt>
__device__ inline void warp_add_packed(float (&acc)[Dh / 8][4], const uint32_t (&a)[Kt][4],
                                       const __nv_bfloat16* y, int lane) {
#pragma unroll
  for (int kk = 0; kk < Kt; ++kk) {
#pragma unroll
    for (int n = 0; n < Dh / 8; n += 2) {
      uint32_t yb[4];
      ldmatrix_x4_trans(yb, y + swizzled<Dh>(kk * 16 + lane % 8 + lane / 8 % 2 * 8,
                                             n * 8 + lane / 16 * 8));
      mma16816(acc[n], a[kk], yb[0], yb[1]);
      mma16816(acc[n + 1], a[kk], yb[2], yb[3]);
    }
  }
}

// The transpose of an 8 x 8 bf16 matrix held one row pair per lane (fragment layout).
__device__ inline uint32_t transposed(uint32_t x) {
  uint32_t y;
  asm volatile("movmatrix.sync.aligned.m8n8.trans.b16 %0, %1;\n" : "=r"(y) : "r"(x));
  return y;
}

// Two-stage pipeline step: starts the next stage's copies (when there is one), then waits until
// the current stage's have landed (for this thread; a barrier follows for the others).
template <class LoadNext>
__device__ inline void next_stage(bool has_next, LoadNext load_next) {
  if (has_next) {
    load_next();
    cp_async_commit();
    cp_async_wait<1>();
  } else {
    cp_async_wait<0>();
  }
}

// The key kernel: flash_backward_kernel's KeyOwner path (M = 1, kStep streamed queries) with
// query steps on the dS grid (rows outside [lo, hi) load as absent and get dS = 0) and dS stored.
// A restatement, not a reuse: the library stays unchanged while 16 is a lab variant; should 16
// enter it, flash_backward.cuh's kernel takes the dS store and this copy goes.
template <int Dh, int Warps, int CtasPerSm>
__global__ void __launch_bounds__(32 * Warps, CtasPerSm)
    ds_key_kernel(Pass pass, CallGeometry g, FlashBackwardArgs a, DsTiles ds, int64_t first_group,
                  int64_t tiles_per_group) {
  using F = FlashBackward<Dh, Warps, 1, kStep, true>;
  extern __shared__ __align__(128) unsigned char smem[];
  F sm;
  F::carve(reinterpret_cast<uintptr_t>(smem), &sm);
  const int h = blockIdx.y;
  const int64_t b = blockIdx.z;
  const int64_t group = first_group + blockIdx.x / tiles_per_group;
  const int64_t tile = blockIdx.x % tiles_per_group;
  const TileWork w = key_tile_work(pass, g, h, group, tile, F::kOwn);
  if (w.rows == 0) return;

  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, gr = lane / 4, t = lane % 4;
  const int r0 = warp * 16;
  const int my_row = tid / F::kChunks, my_col = tid % F::kChunks * 8;
  const RowMap own = w.grp.k, vis = w.grp.q;
  const RowView k_rows = rows_of(a.k, b, h), v_rows = rows_of(a.v, b, h);
  const RowView q_rows = rows_of(a.q, b, h), do_rows = rows_of(a.d_o, b, h);
  const int64_t origin = own.pos(w.first + w.rows - 1);
  float rate[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) rate[i] = g.decay_log2[my_col / 2 + i];

#pragma unroll
  for (int i = 0; i < F::kOwn / F::kRowStep; ++i) {
    const int r = my_row + i * F::kRowStep;
    const bool ok = r < w.rows;
    const int64_t pos = ok ? own.pos(w.first + r) : -1;
    if (my_col == 0) sm.own_pos[r] = pos;
    const int64_t row = ok ? pos - g.kv_start : 0;
    cp_async16(sm.own_a + swizzled<Dh>(r, my_col), k_rows.data + row * k_rows.stride_n + my_col, ok);
    cp_async16(sm.own_b + swizzled<Dh>(r, my_col), v_rows.data + row * v_rows.stride_n + my_col, ok);
  }
  // Query rows m0.. of a step; those outside [lo, hi) are absent (position -1, zeros).
  auto load_step = [&](int stage, int64_t m0) {
#pragma unroll
    for (int i = 0; i < kStep / F::kRowStep; ++i) {
      const int r = my_row + i * F::kRowStep;
      const bool ok = m0 + r >= w.lo && m0 + r < w.hi;
      const int64_t pos = ok ? vis.pos(m0 + r) : -1;
      if (my_col == 0) sm.vis_pos[stage * kStep + r] = pos;
      const int64_t row = ok ? pos - g.q_start : 0;
      const int dst = stage * kStep * Dh + swizzled<Dh>(r, my_col);
      cp_async16(sm.vis_x + dst, q_rows.data + row * q_rows.stride_n + my_col, ok);
      cp_async16(sm.vis_y + dst, do_rows.data + row * do_rows.stride_n + my_col, ok);
    }
    if (tid < kStep) {
      const bool ok = m0 + tid >= w.lo && m0 + tid < w.hi;
      const int64_t at = ok ? stats_index(g, b, h, vis.pos(m0 + tid)) : 0;
      cp_async4(sm.vis_lse + stage * kStep + tid, a.lse + at, ok);
      cp_async4(sm.vis_dsum + stage * kStep + tid, a.dsum + at, ok);
    }
  };

  const int64_t first_step = w.lo / kStep;
  const int64_t n_steps = w.hi > w.lo ? ceil_div(w.hi, kStep) - first_step : 0;
  if (n_steps > 0) load_step(0, first_step * kStep);
  cp_async_commit();
  if (g.xpos) {
    cp_async_wait<0>();
#pragma unroll
    for (int i = 0; i < F::kOwn / F::kRowStep; ++i) {
      const int r = my_row + i * F::kRowStep;
      if (r < w.rows) {
        scale_chunk(sm.own_a + swizzled<Dh>(r, my_col), rate,
                    -static_cast<float>(own.pos(w.first + r) - origin));
      }
    }
  }
  __syncthreads();
  const int64_t own_pos[2] = {sm.own_pos[r0 + gr], sm.own_pos[r0 + gr + 8]};

  constexpr int kCols = kStep / 8;
  const float scale_log2 = kLog2e * rsqrtf(static_cast<float>(Dh));
  float acc_k[1][Dh / 8][4] = {}, acc_v[1][Dh / 8][4] = {};

  for (int64_t it = 0; it < n_steps; ++it) {
    const int stage = static_cast<int>(it & 1);
    const int64_t m0 = (first_step + it) * kStep;
    next_stage(it + 1 < n_steps, [&] { load_step(stage ^ 1, m0 + kStep); });
    if (g.xpos) {
#pragma unroll
      for (int i = 0; i < kStep / F::kRowStep; ++i) {
        const int r = my_row + i * F::kRowStep;
        if (m0 + r >= w.lo && m0 + r < w.hi) {
          scale_chunk(sm.vis_x + stage * kStep * Dh + swizzled<Dh>(r, my_col), rate,
                      static_cast<float>(vis.pos(m0 + r) - origin));
        }
      }
    }
    __syncthreads();
    const __nv_bfloat16* xs = sm.vis_x + stage * kStep * Dh;
    const __nv_bfloat16* ys = sm.vis_y + stage * kStep * Dh;
    const int64_t* vpos = sm.vis_pos + stage * kStep;

    float s[1][kCols][4] = {}, dp[1][kCols][4] = {};
    warp_scores<Dh, 1, kStep>(s, sm.own_a, r0, xs, lane);
    warp_scores<Dh, 1, kStep>(dp, sm.own_b, r0, ys, lane);
    const bool masked = m0 < w.lo || m0 + kStep > w.hi ||
                        (pass.causal && vpos[0] < sm.own_pos[w.rows - 1]);
#pragma unroll
    for (int n = 0; n < kCols; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int col = n * 8 + 2 * t + e % 2;
        const float2 st = base2_stats(sm.vis_lse[stage * kStep + col],
                                      sm.vis_dsum[stage * kStep + col]);
        float p = fast_exp2(fmaf(s[0][n][e], scale_log2, -st.x));
        if (masked && !attends(vpos[col], own_pos[e / 2], pass.causal)) p = 0.0f;
        s[0][n][e] = p;
        dp[0][n][e] = p * (dp[0][n][e] - st.y);
      }
    }
    uint32_t ds_t[kStep / 16][4];  // dS^T as A fragments, one per 16 queries
#pragma unroll
    for (int kk = 0; kk < kStep / 16; ++kk) {
      ds_t[kk][0] = pack_bf16(dp[0][2 * kk][0], dp[0][2 * kk][1]);
      ds_t[kk][1] = pack_bf16(dp[0][2 * kk][2], dp[0][2 * kk][3]);
      ds_t[kk][2] = pack_bf16(dp[0][2 * kk + 1][0], dp[0][2 * kk + 1][1]);
      ds_t[kk][3] = pack_bf16(dp[0][2 * kk + 1][2], dp[0][2 * kk + 1][3]);
    }
    uint4* out = ds.block<F::kOwn>(b, h, group, tile, m0 / kStep) +
                 warp * (kStep / 16) * kBlockChunks + lane;
#pragma unroll
    for (int kk = 0; kk < kStep / 16; ++kk) {
      out[kk * kBlockChunks] = make_uint4(ds_t[kk][0], ds_t[kk][1], ds_t[kk][2], ds_t[kk][3]);
    }
    warp_add_packed<Dh, kStep / 16>(acc_k[0], ds_t, xs, lane);
    warp_add_product<Dh, 1, kStep>(acc_v, s, ys, lane);
    __syncthreads();  // this stage is free for the step after next
  }
  cp_async_wait<0>();
  if (n_steps == 0) return;
  add_owned_rows<Dh>(a.dk_acc, acc_k[0], own_pos, g.kv_start, g.kv_len, b, h, t, g, g.xpos,
                     origin, -1.0f, rsqrtf(static_cast<float>(Dh)));
  add_owned_rows<Dh>(a.dv_acc, acc_v[0], own_pos, g.kv_start, g.kv_len, b, h, t, g, false, 0,
                     0.0f, 1.0f);
}

// The dQ kernel: owns queries [64 tile, 64 tile + 64) of a group (on the dS grid, clipped to the
// query window), streams the key kernel's key tiles (KeyRows keys) through two cp.async stages.
// It streams dS from DRAM, so CtasPerSm caps registers for more loads in flight per SM.
template <int Dh, int KeyRows, int CtasPerSm>
__global__ void __launch_bounds__(32 * kDqWarps, CtasPerSm)
    ds_query_kernel(Pass pass, CallGeometry g, FlashBackwardArgs a, DsTiles ds,
                    int64_t first_group, int64_t tiles_per_group) {
  constexpr int kThreads = 32 * kDqWarps, kChunks = Dh / 8, kRowStep = kThreads / kChunks;
  constexpr int kOwn = 16 * kDqWarps;
  extern __shared__ __align__(128) unsigned char smem[];
  auto* k_tiles = reinterpret_cast<__nv_bfloat16*>(smem);  // two stages of KeyRows x Dh
  const int h = blockIdx.y;
  const int64_t b = blockIdx.z;
  const int64_t group = first_group + blockIdx.x / tiles_per_group;
  const int64_t tile = blockIdx.x % tiles_per_group;
  const Group grp = query_group(pass, h, group);
  const int64_t q_lo = grp.q.count_below(g.q_start), q_hi = grp.q.count_below(g.q_start + g.q_len);
  const int64_t first = max(q_lo, tile * kOwn), end = min(q_hi, (tile + 1) * kOwn);
  if (first >= end) return;

  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, gr = lane / 4, t = lane % 4;
  const int my_row = tid / kChunks, my_col = tid % kChunks * 8;
  const int64_t row0 = tile * kOwn + warp * 16;  // this warp's rows, one 16-query half of a step
  const bool warp_rows = row0 + 16 > first && row0 < end;
  int64_t own_pos[2];
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int64_t m = row0 + gr + 8 * r;
    own_pos[r] = m >= first && m < end ? grp.q.pos(m) : -1;
  }
  const int64_t origin = grp.q.pos(first);
  const int64_t k_lo = grp.k.count_below(g.kv_start);
  int64_t k_hi = grp.k.count_below(g.kv_start + g.kv_len);
  if (pass.causal) k_hi = min(k_hi, grp.k.count_below(grp.q.pos(end - 1) + 1));
  const int64_t n_tiles = k_hi > k_lo ? ceil_div(k_hi - k_lo, KeyRows) : 0;
  const RowView k_rows = rows_of(a.k, b, h);
  float rate[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) rate[i] = g.decay_log2[my_col / 2 + i];

  auto load_keys = [&](int stage, int64_t m0) {
#pragma unroll
    for (int i = 0; i < KeyRows / kRowStep; ++i) {
      const int r = my_row + i * kRowStep;
      const bool ok = m0 + r < k_hi;
      const int64_t row = ok ? grp.k.pos(m0 + r) - g.kv_start : 0;
      cp_async16(k_tiles + stage * KeyRows * Dh + swizzled<Dh>(r, my_col),
                 k_rows.data + row * k_rows.stride_n + my_col, ok);
    }
  };
  if (n_tiles > 0) load_keys(0, k_lo);
  cp_async_commit();

  float acc[Dh / 8][4] = {};
  for (int64_t kt = 0; kt < n_tiles; ++kt) {
    const int stage = static_cast<int>(kt & 1);
    const int64_t m0 = k_lo + kt * KeyRows;
    // The key kernel wrote this warp's step of key tile kt only if it visited it: its first
    // step holds its first visible query (the tile's first key when causal).
    const int64_t visited_from = (pass.causal ? max(q_lo, m0) : q_lo) / kStep;
    const bool use = warp_rows && row0 / kStep >= visited_from;
    uint4 frag[KeyRows / 16];  // issued before the barrier wait, so the loads are in flight
    if (use) {
      const uint4* blk = ds.block<KeyRows>(b, h, group, kt, row0 / kStep) +
                         (row0 % kStep / 16) * kBlockChunks + lane;
#pragma unroll
      for (int kw = 0; kw < KeyRows / 16; ++kw) frag[kw] = blk[kw * (kStep / 16) * kBlockChunks];
    }
    next_stage(kt + 1 < n_tiles, [&] { load_keys(stage ^ 1, m0 + KeyRows); });
    __nv_bfloat16* ks = k_tiles + stage * KeyRows * Dh;
    if (g.xpos) {
#pragma unroll
      for (int i = 0; i < KeyRows / kRowStep; ++i) {
        const int r = my_row + i * kRowStep;
        if (m0 + r < k_hi) {
          scale_chunk(ks + swizzled<Dh>(r, my_col), rate,
                      -static_cast<float>(grp.k.pos(m0 + r) - origin));
        }
      }
    }
    __syncthreads();
    if (use) {
      // dS^T's fragment pieces (keys x queries) [0:8,0:8], [8:16,0:8], [0:8,8:16], [8:16,8:16]
      // transposed are dS's [0:8,0:8], [0:8,8:16], [8:16,0:8], [8:16,8:16]: A order 0, 2, 1, 3.
      uint32_t ds_a[KeyRows / 16][4];
#pragma unroll
      for (int kw = 0; kw < KeyRows / 16; ++kw) {
        ds_a[kw][0] = transposed(frag[kw].x);
        ds_a[kw][1] = transposed(frag[kw].z);
        ds_a[kw][2] = transposed(frag[kw].y);
        ds_a[kw][3] = transposed(frag[kw].w);
      }
      warp_add_packed<Dh, KeyRows / 16>(acc, ds_a, ks, lane);
    }
    __syncthreads();  // this stage is free for the tile after next
  }
  cp_async_wait<0>();
  if (n_tiles == 0 || !warp_rows) return;
  add_owned_rows<Dh>(a.dq_acc, acc, own_pos, g.q_start, g.q_len, b, h, t, g, g.xpos, origin,
                     1.0f, rsqrtf(static_cast<float>(Dh)));
}

// The dS grid of a strided pass for key tiles of key_rows.
DsTiles ds_tiles(const Pass& pass, const CallGeometry& g, int key_rows, void* data) {
  const PassTiling keys = key_tiling(pass, g, key_rows);
  const int64_t group_rows = ceil_div(std::min(pass.period, pass.seq_len), pass.stride);
  return {static_cast<uint4*>(data), keys.first_group,
          keys.blocks / std::max<int64_t>(keys.tiles_per_group, 1), keys.tiles_per_group,
          ceil_div(group_rows, kStep), static_cast<int>(g.heads)};
}

size_t ds_bytes(const DsTiles& t, int64_t batch, int key_rows) {
  return static_cast<size_t>(batch * t.heads * t.groups * t.key_tiles * t.steps) * key_rows *
         kStep * sizeof(uint16_t);
}

// The lab's dS workspace, grown to the largest call so far and kept for the program's life.
struct DsBuffer {
  void* data = nullptr;
  size_t bytes = 0;
};
DsBuffer& ds_buffer() {
  static DsBuffer buffer;
  return buffer;
}

template <int Dh, int KeyWarps, int KeyCtasPerSm, int QueryCtasPerSm>
void launch_ds_backward(const Pass& pass, const CallGeometry& g, int64_t batch,
                        const FlashBackwardArgs& a, void* stream) {
  constexpr int kKeyRows = 16 * KeyWarps;
  using K = FlashBackward<Dh, KeyWarps, 1, kStep, true>;
  const DsTiles ds = ds_tiles(pass, g, kKeyRows, ds_buffer().data);
  launch_pass_kernel<K::kThreads>(ds_key_kernel<Dh, KeyWarps, KeyCtasPerSm>, K::carve(0, nullptr),
                                  key_tiling(pass, g, kKeyRows), g, batch, stream, pass, g, a, ds);
  // One CTA per 64 rows of a group's whole span: the query window need not start on the grid.
  const PassTiling q = query_tiling(pass, g, 16 * kDqWarps);
  const int64_t groups = q.blocks / std::max<int64_t>(q.tiles_per_group, 1);
  const int64_t tiles = ceil_div(ceil_div(std::min(pass.period, pass.seq_len), pass.stride),
                                 16 * kDqWarps);
  launch_pass_kernel<32 * kDqWarps>(ds_query_kernel<Dh, kKeyRows, QueryCtasPerSm>,
                                    2 * kKeyRows * Dh * sizeof(__nv_bfloat16),
                                    PassTiling{q.first_group, tiles, groups * tiles}, g, batch,
                                    stream, pass, g, a, ds);
}

// Head dim 64 as variant 15 (4-warp key CTAs, three per SM), 128 as variant 11 (8 warps);
// summary passes run those variants' kernels unchanged.
void ds_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch, View q, View k,
             View v, View d_o, const float* lse, const float* dsum, float* dq_acc, float* dk_acc,
             float* dv_acc, void* stream) {
  const FlashBackwardArgs a{q, k, v, d_o, lse, dsum, dq_acc, dk_acc, dv_acc};
  if (pass.kind != PassKind::strided) {
    if (head_dim == 64) return launch_flash_backward<64, kW4Half3, kW4x3>(pass, g, batch, a, stream);
    return launch_flash_backward<128, kW8Half, kW8>(pass, g, batch, a, stream);
  }
  if (head_dim == 64) return launch_ds_backward<64, 4, 3, 4>(pass, g, batch, a, stream);
  launch_ds_backward<128, 8, 1, 2>(pass, g, batch, a, stream);
}

// Grows the lab's dS workspace to the largest strided pass of the call.
void reserve_ds(const Spec& spec, const Problem& p) {
  if (p.q_len == 0 || p.kv_len == 0) return;
  const CallGeometry g = call_geometry(spec, p);
  const int key_rows = p.head_dim == 64 ? 64 : 128;
  size_t needed = 0;
  for (const Pass& pass : plan_passes(spec, p)) {
    if (pass.kind != PassKind::strided) continue;
    needed = std::max(needed, ds_bytes(ds_tiles(pass, g, key_rows, nullptr), p.batch, key_rows));
  }
  DsBuffer& buf = ds_buffer();
  if (needed <= buf.bytes) return;
  if (buf.data != nullptr) check_cuda(cudaFree(buf.data), "dS workspace free");
  buf = {};
  check_cuda(cudaMalloc(&buf.data, needed), "dS workspace (see notes_backward.md, variant 16)");
  buf.bytes = needed;
}

}  // namespace

void ds_tiles_backward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                       Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<const bf16_bits> o,
                       Bnhd<const bf16_bits> d_o, const float* lse, Bnhd<bf16_bits> dq,
                       Bnhd<bf16_bits> dk, Bnhd<bf16_bits> dv, bool, const CudaLaunch& launch) {
  reserve_ds(spec, p);
  backward_with(ds_pass, spec, p, q, k, v, o, d_o, lse, dq, dk, dv, launch);
}

}  // namespace longnet::attention::lab
