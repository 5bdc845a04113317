// Variants 17-20: the forward of one pass at head dim 64 on Hopper's warpgroup MMA. Each
// warpgroup (4 warps) owns 64 query rows; S = Q K^T is wgmma with both operands in shared
// memory (128B-swizzled tiles through descriptors), O += P V is wgmma with P from registers
// (the S accumulators, exponentiated and packed to bf16 in place) and V in shared memory. K/V
// tiles stream through two (19-20: three) stages by cp.async at their row-map positions, as in
// the library's kernel (flash_forward.cuh), whose loads, XPOS origin, masking, online softmax
// and merge this kernel restates: the library's are inline in its mma.sync kernel and
// lib/attention is not ours to change this session. Head dim 128 runs the library's kernel (variant 05's shape).
//
// 17-18 are the simplest order: every warpgroup waits for its own products, the CTA meets at a
// barrier per key tile; overlap comes only from the other warpgroups on the SM. 19-20 overlap a
// warpgroup's softmax with its own P V (slower: notes_forward.md).
#include "attention/cuda/flash_forward.cuh"
#include "variants.h"
#include "wgmma_ops.cuh"

namespace longnet::attention::lab {
namespace {

using cuda_detail::bf16;
using cuda_detail::CallGeometry;
using cuda_detail::Pass;
using cuda_detail::View;

constexpr int kDh = 64;

template <int Groups, int Keys, int Stages>
struct WgmmaTiles {
  static constexpr int kRows = 64 * Groups;  // queries per CTA
  static constexpr int kThreads = 128 * Groups;
  static constexpr int kChunks = kDh / 8;                                // 16-byte chunks per row
  static constexpr int kRowStep = kThreads / kChunks;                    // rows one CTA pass copies
  static constexpr int kQLoads = kRows / kRowStep;                       // Q rows per thread
  static constexpr int kKeyLoads = (Keys + kRowStep - 1) / kRowStep;     // K/V rows per thread

  bf16 *q, *k, *v;  // k, v: Stages stages of Keys rows; every tile 1024-byte aligned
  int64_t *qpos, *kpos;

  // Tile sizes are multiples of 1024 bytes, so from an aligned base every tile stays aligned.
  __host__ __device__ static size_t carve(uintptr_t base, WgmmaTiles* out) {
    cuda_detail::SmemCarver c{base};
    WgmmaTiles t;
    t.q = c.take<bf16>(kRows * kDh);
    t.k = c.take<bf16>(Stages * Keys * kDh);
    t.v = c.take<bf16>(Stages * Keys * kDh);
    t.qpos = c.take<int64_t>(kRows);
    t.kpos = c.take<int64_t>(Stages * Keys);
    if (out) *out = t;
    return c.used;
  }
};

// s = Q K^T for one k16 step: m64nKeysk16.
template <int Keys>
__device__ inline void score_step(float (&s)[Keys / 2], uint64_t q, uint64_t k, bool accumulate) {
  if constexpr (Keys == 64) {
    wgmma_ss_n64(s, q, k, accumulate);
  } else {
    static_assert(Keys == 128, "key tiles of 64 or 128 rows");
    wgmma_ss_n128(s, q, k, accumulate);
  }
}

// Issues S = Q K^T for one key tile (4 k16 steps); the caller commits and waits.
template <int Keys>
__device__ inline void issue_scores(float (&s)[Keys / 2], uint64_t q_desc, uint64_t k_desc) {
#pragma unroll
  for (int kk = 0; kk < kDh / 16; ++kk) {
    score_step<Keys>(s, desc_advance(q_desc, 32 * kk), desc_advance(k_desc, 32 * kk), kk > 0);
  }
}

// Issues O += P V for one key tile (Keys / 16 k16 steps); the caller commits and waits.
template <int Keys>
__device__ inline void issue_values(float (&o)[kDh / 2], const uint32_t (&p)[Keys / 16][4],
                                    uint64_t v_desc) {
#pragma unroll
  for (int kk = 0; kk < Keys / 16; ++kk) {
    wgmma_rs_n64(o, p[kk], desc_advance(v_desc, 16 * 2 * kDh * kk), true);
  }
}

// The online softmax of a thread's two query rows (accumulator elements i with i / 2 % 2 == 0
// and == 1), in log2 units with the 1/sqrt(Dh) scale folded into one FMA.
struct RowSoftmax {
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {};

  // Turns scores into probabilities in place against the new row maxima; returns through alpha
  // the factors the running O must be scaled by (l already is).
  template <int N>
  __device__ void update(float (&s)[N], float scale_log2, float (&alpha)[2]) {
    float m_use[2];
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = -INFINITY;
#pragma unroll
      for (int j = 0; j < N / 4; ++j) mx = fmaxf(mx, fmaxf(s[4 * j + 2 * r], s[4 * j + 2 * r + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float m_new = fmaxf(m[r], mx * scale_log2);
      m_use[r] = m_new == -INFINITY ? 0.0f : m_new;  // no key yet: keep p = 0, not NaN
      alpha[r] = cuda_detail::fast_exp2(m[r] - m_use[r]);
      m[r] = m_new;
      l[r] *= alpha[r];
    }
#pragma unroll
    for (int i = 0; i < N; ++i) {
      s[i] = cuda_detail::fast_exp2(fmaf(s[i], scale_log2, -m_use[i / 2 % 2]));
      l[i / 2 % 2] += s[i];
    }
  }
};

__device__ inline void rescale(float (&o)[kDh / 2], const float (&alpha)[2]) {
#pragma unroll
  for (int i = 0; i < kDh / 2; ++i) o[i] *= alpha[i / 2 % 2];
}

template <int Keys>
__device__ inline void pack_probabilities(uint32_t (&p)[Keys / 16][4], const float (&s)[Keys / 2]) {
#pragma unroll
  for (int kk = 0; kk < Keys / 16; ++kk) pack_a(p[kk], s, kk);
}

// Stages: 2 = each warpgroup waits for its own products (17, 18); 3 = the next tile's S = Q K^T
// and this tile's P V are in flight together and the exponentials of S run under P V (19), which
// keeps V of the previous tile while the next one loads.
template <int Groups, int Keys, int CtasPerSm, int Stages>
__global__ void __launch_bounds__(128 * Groups, CtasPerSm)
    wgmma_forward_kernel(Pass pass, CallGeometry g, View qv, View kv, View vv, float* o_acc,
                         float* lse, int64_t first_group, int64_t tiles_per_group) {
  using namespace cuda_detail;
  using T = WgmmaTiles<Groups, Keys, Stages>;
  extern __shared__ unsigned char smem_raw[];
  T sm;
  T::carve(reinterpret_cast<uintptr_t>(align_1024(smem_raw)), &sm);
  const int h = blockIdx.y;
  const int64_t b = blockIdx.z;
  // A group's last tiles see the most keys: they start first, so the short ones fill the tail.
  const TileWork w = query_tile_work(pass, g, h, first_group + blockIdx.x / tiles_per_group,
                                     tiles_per_group - 1 - blockIdx.x % tiles_per_group, T::kRows);
  if (w.rows == 0) return;

  const int tid = threadIdx.x, lane = tid % 32, group = tid / 128, warp = tid / 32 % 4;
  const int my_row = tid / T::kChunks;      // first row this thread copies
  const int my_col = tid % T::kChunks * 8;  // the dims it copies
  const RowView q = rows_of(qv, b, h), k = rows_of(kv, b, h), v = rows_of(vv, b, h);
  const int64_t origin = w.grp.q.pos(w.first);
  float rate[4];  // XPOS decay rates of this thread's dim pairs
#pragma unroll
  for (int i = 0; i < 4; ++i) rate[i] = g.decay_log2[my_col / 2 + i];

#pragma unroll
  for (int i = 0; i < T::kQLoads; ++i) {
    const int r = my_row + i * T::kRowStep;
    const bool ok = r < w.rows;
    const int64_t pos = ok ? w.grp.q.pos(w.first + r) : -1;
    if (my_col == 0) sm.qpos[r] = pos;
    const uint16_t* src = q.data + (ok ? (pos - g.q_start) * q.stride_n : 0) + my_col;
    cp_async16(sm.q + swizzled<kDh>(r, my_col), src, ok);
  }
  const int64_t n_tiles = ceil_div(w.hi - w.lo, Keys);
  const auto tile_rows = [&](int64_t it) {
    return static_cast<int>(min(int64_t{Keys}, w.hi - w.lo - it * Keys));
  };
  // Copies key tile `it` into `stage`.
  const auto load_keys = [&](int stage, int64_t it) {
    const int64_t m0 = w.lo + it * Keys;
    const int rows_k = tile_rows(it);
#pragma unroll
    for (int i = 0; i < T::kKeyLoads; ++i) {
      const int r = my_row + i * T::kRowStep;
      if (r >= Keys) break;
      const bool ok = r < rows_k;
      const int64_t pos = ok ? w.grp.k.pos(m0 + r) : -1;
      if (my_col == 0) sm.kpos[stage * Keys + r] = pos;
      const int64_t row = ok ? pos - g.kv_start : 0;
      const int dst = stage * Keys * kDh + swizzled<kDh>(r, my_col);
      cp_async16(sm.k + dst, k.data + row * k.stride_n + my_col, ok);
      cp_async16(sm.v + dst, v.data + row * v.stride_n + my_col, ok);
    }
  };
  // After this thread's copies of tile `it` have landed: its XPOS key factors, then the fence
  // that hands the tile to wgmma (a barrier must follow).
  const auto finish_keys = [&](int stage, int64_t it) {
    if (g.xpos) {
      const int rows_k = tile_rows(it);
#pragma unroll
      for (int i = 0; i < T::kKeyLoads; ++i) {
        const int r = my_row + i * T::kRowStep;
        if (r < rows_k) {
          scale_chunk(sm.k + stage * Keys * kDh + swizzled<kDh>(r, my_col), rate,
                      static_cast<float>(origin - w.grp.k.pos(w.lo + it * Keys + r)));
        }
      }
    }
    fence_async_shared();
  };

  if (n_tiles > 0) load_keys(0, 0);
  cp_async_commit();
  if (g.xpos) {  // the queries, scaled once for the CTA's origin
    cp_async_wait<0>();
#pragma unroll
    for (int i = 0; i < T::kQLoads; ++i) {
      const int r = my_row + i * T::kRowStep;
      if (r < w.rows) {
        scale_chunk(sm.q + swizzled<kDh>(r, my_col), rate,
                    static_cast<float>(w.grp.q.pos(w.first + r) - origin));
      }
    }
  }
  __syncthreads();
  const int64_t qp[2] = {sm.qpos[64 * group + acc_row(warp, lane, 0)],
                         sm.qpos[64 * group + acc_row(warp, lane, 2)]};

  constexpr int kS = Keys / 2;  // score accumulators per thread
  const float scale_log2 = kLog2e * rsqrtf(static_cast<float>(kDh));
  const uint64_t q_desc = swizzled_tile_desc(sm.q + group * 64 * kDh);
  const auto k_desc = [&](int stage) { return swizzled_tile_desc(sm.k + stage * Keys * kDh); };
  const auto v_desc = [&](int stage) { return swizzled_tile_desc(sm.v + stage * Keys * kDh); };
  // Only a partial tile or one reaching past the CTA's first query needs the mask.
  const auto mask = [&](float(&s)[kS], int stage, int64_t it) {
    const int rows_k = tile_rows(it);
    const int64_t* kpos = sm.kpos + stage * Keys;
    if (rows_k < Keys || (pass.causal && kpos[rows_k - 1] > origin)) {
#pragma unroll
      for (int i = 0; i < kS; ++i) {
        if (!attends(qp[i / 2 % 2], kpos[acc_col(lane, i)], pass.causal)) s[i] = -INFINITY;
      }
    }
  };
  float o[kDh / 2] = {};
  RowSoftmax sm_rows;
  float s[kS], alpha[2];
  uint32_t p[Keys / 16][4];  // P as the register A operand: one fragment per k16 step

  if constexpr (Stages == 2) {
    for (int64_t it = 0; it < n_tiles; ++it) {
      const int stage = static_cast<int>(it & 1);
      if (it + 1 < n_tiles) {
        load_keys(stage ^ 1, it + 1);
        cp_async_commit();
        cp_async_wait<1>();
      } else {
        cp_async_wait<0>();
      }
      finish_keys(stage, it);
      __syncthreads();
      wgmma_fence();
      issue_scores<Keys>(s, q_desc, k_desc(stage));
      wgmma_commit();
      wgmma_wait<0>();
      pin_registers(s);
      mask(s, stage, it);
      sm_rows.update(s, scale_log2, alpha);
      rescale(o, alpha);
      pack_probabilities<Keys>(p, s);
      pin_registers(o);
      wgmma_fence();
      issue_values<Keys>(o, p, v_desc(stage));
      wgmma_commit();
      wgmma_wait<0>();
      pin_registers(o);
      __syncthreads();  // this stage is free for the tile after next
    }
  } else {
    static_assert(Stages == 3, "two or three stages");
    // Every step issues both products, so no wgmma sits on a branch (ptxas serialises those):
    // the step before the first pairs P = 0 with a zeroed V stage, the one after the last has
    // only its P V left.
    int stage = 0, prev = 2;
    for (int i = tid; i < Keys * kDh / 8; i += T::kThreads) {
      reinterpret_cast<uint4*>(sm.v + prev * Keys * kDh)[i] = make_uint4(0, 0, 0, 0);
    }
    for (int kk = 0; kk < Keys / 16; ++kk) p[kk][0] = p[kk][1] = p[kk][2] = p[kk][3] = 0;
    for (int64_t it = 0; it < n_tiles; ++it) {
      cp_async_wait<0>();  // tile it (and with it 0 the queries)
      finish_keys(stage, it);
      // Every warpgroup is past its wait for the P V of tile it - 2, so that stage takes the
      // next tile, while the previous tile's V stays for this step's P V.
      __syncthreads();
      const int next = stage == 2 ? 0 : stage + 1;
      if (it + 1 < n_tiles) load_keys(next, it + 1);
      cp_async_commit();
      wgmma_fence();
      issue_scores<Keys>(s, q_desc, k_desc(stage));
      wgmma_commit();
      issue_values<Keys>(o, p, v_desc(prev));
      wgmma_commit();
      wgmma_wait<1>();  // S landed; the previous P V may still run
      pin_registers(s);
      mask(s, stage, it);
      sm_rows.update(s, scale_log2, alpha);
      wgmma_wait<0>();
      pin_registers(o);
      rescale(o, alpha);
      pack_probabilities<Keys>(p, s);
      prev = stage;
      stage = next;
    }
    fence_async_shared();  // the zeroed stage, when no tile ran
    __syncthreads();
    wgmma_fence();
    issue_values<Keys>(o, p, v_desc(prev));
    wgmma_commit();
    wgmma_wait<0>();
    pin_registers(o);
  }
  cp_async_wait<0>();  // nothing in flight at exit (no keys: Q was never waited for)

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float sum = sm_rows.l[r];
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    sum += __shfl_xor_sync(0xffffffffu, sum, 2);
    const bool live = qp[r] >= 0 && sum > 0;
    const int64_t qrow = qp[r] - g.q_start;
    float* lse_at = lse + (b * g.heads + h) * g.q_len + qrow;
    Merge mw{};
    if (live) {
      mw = merge_weights(*lse_at, (sm_rows.m[r] + log2f(sum)) * kLn2, sum);
      float* acc = o_acc + ((b * g.q_len + qrow) * g.heads + h) * kDh + 2 * (lane % 4);
#pragma unroll
      for (int j = 0; j < kDh / 8; ++j) {
        float2 x = *reinterpret_cast<float2*>(acc + j * 8);
        x.x = mw.w_old * x.x + mw.w_pass * o[4 * j + 2 * r];
        x.y = mw.w_old * x.y + mw.w_pass * o[4 * j + 2 * r + 1];
        *reinterpret_cast<float2*>(acc + j * 8) = x;
      }
    }
    __syncwarp();  // the quad has read lse before it is overwritten
    if (live && lane % 4 == 0) *lse_at = mw.lse;
  }
}

template <int Groups, int Keys, int CtasPerSm, int Stages>
void wgmma_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch, View q,
                View k, View v, float* o_acc, float* lse, void* stream) {
  using namespace cuda_detail;
  if (head_dim != kDh) {
    return launch_flash_forward<128, 8>(pass, g, batch, q, k, v, o_acc, lse, stream);
  }
  using T = WgmmaTiles<Groups, Keys, Stages>;
  launch_pass_kernel<T::kThreads>(wgmma_forward_kernel<Groups, Keys, CtasPerSm, Stages>,
                                  kTileAlign + T::carve(0, nullptr),
                                  query_tiling(pass, g, T::kRows), g, batch, stream, pass, g, q,
                                  k, v, o_acc, lse);
}

}  // namespace

template <int Groups, int Keys, int CtasPerSm, int Stages>
void wgmma_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                   Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                   float* lse, const CudaLaunch& launch) {
  cuda_detail::forward_with(wgmma_pass<Groups, Keys, CtasPerSm, Stages>, spec, p, q, k, v, o, lse,
                            launch);
}

template void wgmma_forward<2, 64, 2, 2>(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                                         Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                                         Bnhd<bf16_bits>, float*, const CudaLaunch&);
template void wgmma_forward<3, 128, 1, 2>(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                                          Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                                          Bnhd<bf16_bits>, float*, const CudaLaunch&);
template void wgmma_forward<2, 64, 2, 3>(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                                         Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                                         Bnhd<bf16_bits>, float*, const CudaLaunch&);
template void wgmma_forward<3, 64, 1, 3>(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                                         Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                                         Bnhd<bf16_bits>, float*, const CudaLaunch&);

}  // namespace longnet::attention::lab
