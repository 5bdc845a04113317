// Variants 17-18: the forward of one pass at head dim 64 on Hopper's warpgroup MMA. Each
// warpgroup (4 warps) owns 64 query rows; S = Q K^T is wgmma with both operands in shared
// memory (128B-swizzled tiles through descriptors), O += P V is wgmma with P from registers
// (the S accumulators, exponentiated and packed to bf16 in place) and V in shared memory. K/V
// tiles stream through two stages by cp.async at their row-map positions, as in the library's
// kernel (flash_forward.cuh), whose loads, XPOS origin, masking, online softmax and merge this
// kernel restates: the library's are inline in its mma.sync kernel and lib/attention is not
// ours to change this session. Head dim 128 runs the library's kernel (variant 05's shape).
//
// Simplest first step: every warpgroup waits for its own products (no overlap of softmax and
// wgmma inside a warpgroup), the CTA meets at a barrier per key tile; overlap comes from the
// other CTAs on the SM and from the async proxy running while other warpgroups compute.
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

template <int Groups, int Keys>
struct WgmmaTiles {
  static constexpr int kRows = 64 * Groups;  // queries per CTA
  static constexpr int kThreads = 128 * Groups;
  static constexpr int kChunks = kDh / 8;                                // 16-byte chunks per row
  static constexpr int kRowStep = kThreads / kChunks;                    // rows one CTA pass copies
  static constexpr int kQLoads = kRows / kRowStep;                       // Q rows per thread
  static constexpr int kKeyLoads = (Keys + kRowStep - 1) / kRowStep;     // K/V rows per thread

  bf16 *q, *k, *v;  // k, v: two stages of Keys rows; every tile 1024-byte aligned
  int64_t *qpos, *kpos;

  // Tile sizes are multiples of 1024 bytes, so from an aligned base every tile stays aligned.
  __host__ __device__ static size_t carve(uintptr_t base, WgmmaTiles* out) {
    cuda_detail::SmemCarver c{base};
    WgmmaTiles t;
    t.q = c.take<bf16>(kRows * kDh);
    t.k = c.take<bf16>(2 * Keys * kDh);
    t.v = c.take<bf16>(2 * Keys * kDh);
    t.qpos = c.take<int64_t>(kRows);
    t.kpos = c.take<int64_t>(2 * Keys);
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

template <int Groups, int Keys, int CtasPerSm>
__global__ void __launch_bounds__(128 * Groups, CtasPerSm)
    wgmma_forward_kernel(Pass pass, CallGeometry g, View qv, View kv, View vv, float* o_acc,
                         float* lse, int64_t first_group, int64_t tiles_per_group) {
  using namespace cuda_detail;
  using T = WgmmaTiles<Groups, Keys>;
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
  auto load_keys = [&](int stage, int64_t m0, int rows_k) {
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

  const int64_t n_tiles = ceil_div(w.hi - w.lo, Keys);
  if (n_tiles > 0) load_keys(0, w.lo, static_cast<int>(min(int64_t{Keys}, w.hi - w.lo)));
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
  // This thread's two query rows (accumulator elements i with i / 2 % 2 == 0 and == 1).
  const int64_t qp[2] = {sm.qpos[64 * group + acc_row(warp, lane, 0)],
                         sm.qpos[64 * group + acc_row(warp, lane, 2)]};

  constexpr int kS = Keys / 2, kO = kDh / 2;  // accumulator floats per thread
  const float scale_log2 = kLog2e * rsqrtf(static_cast<float>(kDh));
  const uint64_t q_desc = swizzled_tile_desc(sm.q + group * 64 * kDh);
  float o[kO] = {};
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {};

  for (int64_t it = 0; it < n_tiles; ++it) {
    const int stage = static_cast<int>(it & 1);
    const int64_t m0 = w.lo + it * Keys;
    const int rows_k = static_cast<int>(min(int64_t{Keys}, w.hi - m0));
    if (it + 1 < n_tiles) {
      load_keys(stage ^ 1, m0 + Keys, static_cast<int>(min(int64_t{Keys}, w.hi - m0 - Keys)));
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    if (g.xpos) {
#pragma unroll
      for (int i = 0; i < T::kKeyLoads; ++i) {
        const int r = my_row + i * T::kRowStep;
        if (r < rows_k) {
          scale_chunk(sm.k + stage * Keys * kDh + swizzled<kDh>(r, my_col), rate,
                      static_cast<float>(origin - w.grp.k.pos(m0 + r)));
        }
      }
    }
    fence_async_shared();  // this thread's copies and scalings, visible to wgmma
    __syncthreads();
    const int64_t* kpos = sm.kpos + stage * Keys;

    float s[kS];
    const uint64_t k_desc = swizzled_tile_desc(sm.k + stage * Keys * kDh);
    wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < kDh / 16; ++kk) {
      score_step<Keys>(s, desc_advance(q_desc, 32 * kk), desc_advance(k_desc, 32 * kk), kk > 0);
    }
    wgmma_commit();
    wgmma_wait<0>();
    pin_registers(s);

    // Only a partial tile or one reaching past the CTA's first query needs the mask.
    if (rows_k < Keys || (pass.causal && kpos[rows_k - 1] > origin)) {
#pragma unroll
      for (int i = 0; i < kS; ++i) {
        if (!attends(qp[i / 2 % 2], kpos[acc_col(lane, i)], pass.causal)) s[i] = -INFINITY;
      }
    }
    float m_use[2];
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = -INFINITY;
#pragma unroll
      for (int j = 0; j < Keys / 8; ++j) mx = fmaxf(mx, fmaxf(s[4 * j + 2 * r], s[4 * j + 2 * r + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float m_new = fmaxf(m[r], mx * scale_log2);
      m_use[r] = m_new == -INFINITY ? 0.0f : m_new;  // no key yet: keep p = 0, not NaN
      const float alpha = fast_exp2(m[r] - m_use[r]);
      m[r] = m_new;
      l[r] *= alpha;
#pragma unroll
      for (int j = 0; j < kDh / 8; ++j) {
        o[4 * j + 2 * r] *= alpha;
        o[4 * j + 2 * r + 1] *= alpha;
      }
    }
    uint32_t p[Keys / 16][4];  // P as the register A operand: one fragment per k16 step
#pragma unroll
    for (int i = 0; i < kS; ++i) {
      s[i] = fast_exp2(fmaf(s[i], scale_log2, -m_use[i / 2 % 2]));
      l[i / 2 % 2] += s[i];
    }
#pragma unroll
    for (int kk = 0; kk < Keys / 16; ++kk) pack_a(p[kk], s, kk);

    const uint64_t v_desc = swizzled_tile_desc(sm.v + stage * Keys * kDh);
    pin_registers(o);
    wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < Keys / 16; ++kk) {
      wgmma_rs_n64(o, p[kk], desc_advance(v_desc, 16 * 2 * kDh * kk), true);
    }
    wgmma_commit();
    wgmma_wait<0>();
    pin_registers(o);
    __syncthreads();  // this stage is free for the tile after next
  }
  cp_async_wait<0>();  // nothing in flight at exit (no keys: Q was never waited for)

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float sum = l[r];
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    sum += __shfl_xor_sync(0xffffffffu, sum, 2);
    const bool live = qp[r] >= 0 && sum > 0;
    const int64_t qrow = qp[r] - g.q_start;
    float* lse_at = lse + (b * g.heads + h) * g.q_len + qrow;
    Merge mw{};
    if (live) {
      mw = merge_weights(*lse_at, (m[r] + log2f(sum)) * kLn2, sum);
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

template <int Groups, int Keys, int CtasPerSm>
void wgmma_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch, View q,
                View k, View v, float* o_acc, float* lse, void* stream) {
  using namespace cuda_detail;
  if (head_dim != kDh) {
    return launch_flash_forward<128, 8>(pass, g, batch, q, k, v, o_acc, lse, stream);
  }
  using T = WgmmaTiles<Groups, Keys>;
  launch_pass_kernel<T::kThreads>(wgmma_forward_kernel<Groups, Keys, CtasPerSm>,
                                  kTileAlign + T::carve(0, nullptr),
                                  query_tiling(pass, g, T::kRows), g, batch, stream, pass, g, q,
                                  k, v, o_acc, lse);
}

}  // namespace

template <int Groups, int Keys, int CtasPerSm>
void wgmma_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                   Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                   float* lse, const CudaLaunch& launch) {
  cuda_detail::forward_with(wgmma_pass<Groups, Keys, CtasPerSm>, spec, p, q, k, v, o, lse,
                            launch);
}

template void wgmma_forward<2, 64, 2>(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                                      Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                                      Bnhd<bf16_bits>, float*, const CudaLaunch&);
template void wgmma_forward<3, 128, 1>(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                                       Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                                       Bnhd<bf16_bits>, float*, const CudaLaunch&);

}  // namespace longnet::attention::lab
