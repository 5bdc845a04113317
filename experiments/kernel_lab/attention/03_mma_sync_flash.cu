// Variant 03: the flash forward with raw mma.sync m16n8k16 (sm_80+) and the score tile, the
// probabilities and the output accumulator held in registers (FlashAttention-2's layout): each
// warp owns 16 query rows, a quad of lanes shares a row, so the row max and sum need two
// shuffles. Shared memory holds only Q, K and V^T. Same passes, row maps, XPOS loads and merge
// as the library's 02.
#include "attention/cuda/launchers.h"
#include "attention/cuda/mma_ops.cuh"
#include "attention/cuda/pass_launch.cuh"
#include "variants.h"

namespace longnet::attention::lab {
namespace {

using namespace cuda_detail;

constexpr int kLdVt = kBlockN + 8;  // V^T rows: one per dim, kBlockN keys

template <int Dh>
struct Smem {
  bf16 *q, *k, *vt;
  float* decay;
  int64_t *qpos, *kpos;

  __host__ __device__ static size_t carve(uintptr_t base, Smem* out) {
    SmemCarver c{base};
    Smem t;
    t.q = c.take<bf16>(kBlockM * Ld<Dh>::rows);
    t.k = c.take<bf16>(kBlockN * Ld<Dh>::rows);
    t.vt = c.take<bf16>(Dh * kLdVt);
    t.decay = c.take<float>(Dh / 2);
    t.qpos = c.take<int64_t>(kBlockM);
    t.kpos = c.take<int64_t>(kBlockN);
    if (out) *out = t;
    return c.used;
  }
};

// V rows at pos[] stored transposed, dst[d][r], so P V's B fragments are contiguous pairs.
template <int Dh>
__device__ void load_rows_transposed(bf16* dst, RowView src, int64_t row_start,
                                     const int64_t* pos) {
  constexpr int kChunks = Dh / 8;
  for (int c = threadIdx.x; c < kBlockN * kChunks; c += kThreads) {
    const int r = c / kChunks, col = (c % kChunks) * 8;
    uint4 bits = make_uint4(0, 0, 0, 0);
    if (pos[r] >= 0) {
      bits = *reinterpret_cast<const uint4*>(src.data + (pos[r] - row_start) * src.stride_n + col);
    }
    const bf16* x = reinterpret_cast<const bf16*>(&bits);
#pragma unroll
    for (int t = 0; t < 8; ++t) dst[(col + t) * kLdVt + r] = x[t];
  }
}

__device__ inline uint32_t pair_at(const bf16* p) { return *reinterpret_cast<const uint32_t*>(p); }

template <int Dh>
__global__ void __launch_bounds__(kThreads)
    mma_kernel(Pass pass, CallGeometry g, View qv, View kv, View vv, float* o_acc, float* lse,
               int64_t first_group, int64_t tiles_per_group) {
  extern __shared__ __align__(128) unsigned char smem[];
  Smem<Dh> sm;
  Smem<Dh>::carve(reinterpret_cast<uintptr_t>(smem), &sm);
  const int h = blockIdx.y;
  const int64_t b = blockIdx.z;
  const TileWork w = query_tile_work(pass, g, h, first_group + blockIdx.x / tiles_per_group,
                                     blockIdx.x % tiles_per_group, kBlockM);
  if (w.rows == 0) return;
  map_positions(sm.qpos, w.grp.q, w.first, w.rows, kBlockM);
  const float* decay = stage_decay<Dh>(sm.decay, g);
  const RowView q = rows_of(qv, b, h), k = rows_of(kv, b, h), v = rows_of(vv, b, h);
  __syncthreads();
  if (!decay) load_rows<Dh>(sm.q, q, g.q_start, sm.qpos, kBlockM, nullptr, 0, 0);

  constexpr int kQk = Dh / 16, kScoreTiles = kBlockN / 8, kOutTiles = Dh / 8;
  constexpr int ld = Ld<Dh>::rows;
  const int lane = threadIdx.x % 32, gr = lane / 4, t = lane % 4;
  const int r0 = threadIdx.x / 32 * 16;
  const int64_t qp[2] = {sm.qpos[r0 + gr], sm.qpos[r0 + gr + 8]};  // this lane's two rows
  const float scale_log2 = kLog2e * rsqrtf(static_cast<float>(Dh));
  uint32_t qf[kQk][4];
  float o[kOutTiles][4] = {};
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0, 0};
  bool q_in_registers = false;

  for (int64_t m0 = w.lo; m0 < w.hi; m0 += kBlockN) {
    const int rows_k = static_cast<int>(min(int64_t{kBlockN}, w.hi - m0));
    map_positions(sm.kpos, w.grp.k, m0, rows_k, kBlockN);
    __syncthreads();
    const int64_t origin = xpos_origin(sm.qpos[0], sm.kpos[rows_k - 1]);
    if (decay) load_rows<Dh>(sm.q, q, g.q_start, sm.qpos, kBlockM, decay, origin, 1.0f);
    load_rows<Dh>(sm.k, k, g.kv_start, sm.kpos, kBlockN, decay, origin, -1.0f);
    load_rows_transposed<Dh>(sm.vt, v, g.kv_start, sm.kpos);
    __syncthreads();
    if (decay || !q_in_registers) {
#pragma unroll
      for (int kk = 0; kk < kQk; ++kk) {
        const bf16* a = sm.q + (r0 + gr) * ld + kk * 16 + 2 * t;
        qf[kk][0] = pair_at(a);
        qf[kk][1] = pair_at(a + 8 * ld);
        qf[kk][2] = pair_at(a + 8);
        qf[kk][3] = pair_at(a + 8 * ld + 8);
      }
      q_in_registers = true;
    }
    float s[kScoreTiles][4] = {};
#pragma unroll
    for (int kk = 0; kk < kQk; ++kk) {
#pragma unroll
      for (int n = 0; n < kScoreTiles; ++n) {
        const bf16* kb = sm.k + (n * 8 + gr) * ld + kk * 16 + 2 * t;
        mma16816(s[n], qf[kk], pair_at(kb), pair_at(kb + 8));
      }
    }
    float row_max[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int n = 0; n < kScoreTiles; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const bool ok = attends(qp[e / 2], sm.kpos[n * 8 + 2 * t + e % 2], pass.causal);
        s[n][e] = ok ? s[n][e] * scale_log2 : -INFINITY;
        row_max[e / 2] = fmaxf(row_max[e / 2], s[n][e]);
      }
    }
    float alpha[2];
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      row_max[r] = fmaxf(row_max[r], __shfl_xor_sync(0xffffffffu, row_max[r], 1));
      row_max[r] = fmaxf(row_max[r], __shfl_xor_sync(0xffffffffu, row_max[r], 2));
      const float m_new = fmaxf(m[r], row_max[r]);
      alpha[r] = m_new == -INFINITY ? 1.0f : exp2f(m[r] - m_new);
      m[r] = m_new;
      l[r] *= alpha[r];
    }
#pragma unroll
    for (int n = 0; n < kScoreTiles; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const float p = m[e / 2] == -INFINITY ? 0.0f : exp2f(s[n][e] - m[e / 2]);
        s[n][e] = p;
        l[e / 2] += p;
      }
    }
#pragma unroll
    for (int n = 0; n < kOutTiles; ++n) {
      o[n][0] *= alpha[0];
      o[n][1] *= alpha[0];
      o[n][2] *= alpha[1];
      o[n][3] *= alpha[1];
    }
#pragma unroll
    for (int kk = 0; kk < kBlockN / 16; ++kk) {
      const uint32_t pa[4] = {pack_bf16(s[2 * kk][0], s[2 * kk][1]),
                              pack_bf16(s[2 * kk][2], s[2 * kk][3]),
                              pack_bf16(s[2 * kk + 1][0], s[2 * kk + 1][1]),
                              pack_bf16(s[2 * kk + 1][2], s[2 * kk + 1][3])};
#pragma unroll
      for (int n = 0; n < kOutTiles; ++n) {
        const bf16* vb = sm.vt + (n * 8 + gr) * kLdVt + kk * 16 + 2 * t;
        mma16816(o[n], pa, pair_at(vb), pair_at(vb + 8));
      }
    }
    __syncthreads();
  }

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    l[r] += __shfl_xor_sync(0xffffffffu, l[r], 1);
    l[r] += __shfl_xor_sync(0xffffffffu, l[r], 2);
    const bool live = qp[r] >= 0 && l[r] > 0;
    const int64_t qrow = qp[r] - g.q_start;
    float* lse_at = lse + (b * g.heads + h) * g.q_len + qrow;
    Merge mw{};
    if (live) {
      mw = merge_weights(*lse_at, (m[r] + log2f(l[r])) * kLn2, l[r]);
      float* acc = o_acc + ((b * g.q_len + qrow) * g.heads + h) * Dh + 2 * t;
#pragma unroll
      for (int n = 0; n < kOutTiles; ++n) {
        acc[n * 8] = mw.w_old * acc[n * 8] + mw.w_pass * o[n][2 * r];
        acc[n * 8 + 1] = mw.w_old * acc[n * 8 + 1] + mw.w_pass * o[n][2 * r + 1];
      }
    }
    __syncwarp();  // the quad has read lse before it is overwritten
    if (live && t == 0) *lse_at = mw.lse;
  }
}

template <int Dh>
void launch(const Pass& pass, const CallGeometry& g, int64_t batch, View q, View k, View v,
            float* o_acc, float* lse, void* stream) {
  launch_pass_kernel(mma_kernel<Dh>, Smem<Dh>::carve(0, nullptr), query_tiling(pass, g, kBlockM),
                     g, batch, stream, pass, g, q, k, v, o_acc, lse);
}

void mma_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch, View q,
              View k, View v, float* o_acc, float* lse, void* stream) {
  if (head_dim == 64) return launch<64>(pass, g, batch, q, k, v, o_acc, lse, stream);
  launch<128>(pass, g, batch, q, k, v, o_acc, lse, stream);
}

}  // namespace

void mma_sync_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                      Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                      float* lse, const CudaLaunch& launch) {
  forward_with(mma_pass, spec, p, q, k, v, o, lse, launch);
}

}  // namespace longnet::attention::lab
