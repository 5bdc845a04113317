#pragma once
// The building blocks of the flash kernels, kept apart from the kernels' loops so that a Hopper
// (wgmma/TMA) variant can replace them one at a time: tile loads with the XPOS decay fused,
// warp-level tensor-core products (WMMA, which is mma.sync on sm_80+), warp reductions.
#include <cuda_bf16.h>
#include <mma.h>

#include <cstdint>

#include "attention/cuda/row_map.cuh"

namespace longnet::attention::cuda_detail {

using bf16 = __nv_bfloat16;
namespace wmma = nvcuda::wmma;

constexpr int kBlockM = 64;  // query rows per tile
constexpr int kBlockN = 64;  // key rows per tile
constexpr int kWarps = 4;    // each warp owns 16 rows of the tile
constexpr int kThreads = kWarps * 32;
constexpr int kLdScore = kBlockN + 4;  // fp32 score tiles, padded against bank conflicts
constexpr int kLdProb = kBlockN + 8;   // bf16 probability tiles
constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

template <int Dh>
struct Ld {
  static constexpr int rows = Dh + 8;   // bf16 row tiles
  static constexpr int accum = Dh + 4;  // fp32 accumulators
};

// A [batch, position, head, dim] view of one (batch, head): row r is at data + r * stride_n.
struct RowView {
  const uint16_t* data;
  int64_t stride_n;
};

// The rows of (batch b, head h) of a [batch, position, head, dim] view.
__device__ inline RowView rows_of(const Bnhd<const uint16_t>& v, int64_t b, int h) {
  return {v.data + b * v.stride_b + h * v.stride_h, v.stride_n};
}

// Copies the XPOS decay rates into shared memory; null when the decay is off.
template <int Dh>
__device__ const float* stage_decay(float* dst, const CallGeometry& g) {
  for (int i = threadIdx.x; i < Dh / 2; i += kThreads) dst[i] = g.decay_log2[i];
  return g.xpos ? dst : nullptr;
}

// Loads the rows at positions pos[i] (-1: no row, zeros) of `src` (rows numbered from
// row_start) into dst[i][0..Dh). With XPOS decay, dims 2p, 2p+1 of a row at position x are
// multiplied by exp2(decay_log2[p] * sign * (x - origin)): sign +1 for queries, -1 for keys, so a
// score carries z^((i - j)/B) whatever the origin.
template <int Dh>
__device__ void load_rows(bf16* dst, RowView src, int64_t row_start, const int64_t* pos, int rows,
                          const float* decay_log2, int64_t origin, float sign) {
  constexpr int kChunks = Dh / 8;  // 16-byte chunks per row
  for (int c = threadIdx.x; c < rows * kChunks; c += kThreads) {
    const int r = c / kChunks, col = (c % kChunks) * 8;
    uint4 bits = make_uint4(0, 0, 0, 0);
    if (pos[r] >= 0) {
      bits = *reinterpret_cast<const uint4*>(src.data + (pos[r] - row_start) * src.stride_n + col);
      if (decay_log2) {
        const float d = sign * static_cast<float>(pos[r] - origin);
        __nv_bfloat162* pairs = reinterpret_cast<__nv_bfloat162*>(&bits);
#pragma unroll
        for (int t = 0; t < 4; ++t) {
          const float f = exp2f(decay_log2[col / 2 + t] * d);
          float2 x = __bfloat1622float2(pairs[t]);
          pairs[t] = __floats2bfloat162_rn(x.x * f, x.y * f);
        }
      }
    }
    *reinterpret_cast<uint4*>(dst + r * Ld<Dh>::rows + col) = bits;
  }
}

// The XPOS factor of dim `col` for a row at `x`, as load_rows applies it.
__device__ inline float decay_factor(const float* decay_log2, int col, int64_t x, int64_t origin,
                                     float sign) {
  return exp2f(decay_log2[col / 2] * sign * static_cast<float>(x - origin));
}

// C[16 x 16*NT] (+)= A[16 x 16*KT] * B[16*KT x 16*NT] for one warp, fp32 C in shared memory.
// A is row-major (a[i*lda + k]) or col-major (a[k*lda + i]); B is row-major (b[k*ldb + n]) or
// col-major (b[n*ldb + k], i.e. B^T stored row-major).
template <class LayoutA, class LayoutB, int NT, int KT>
__device__ void warp_mma(float* c, int ldc, const bf16* a, int lda, const bf16* b, int ldb,
                         bool accumulate) {
  constexpr bool a_rows = std::is_same_v<LayoutA, wmma::row_major>;
  constexpr bool b_rows = std::is_same_v<LayoutB, wmma::row_major>;
  wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, LayoutA> fa;
  wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, LayoutB> fb;
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> fc;
#pragma unroll
  for (int n = 0; n < NT; ++n) {
    if (accumulate) {
      wmma::load_matrix_sync(fc, c + n * 16, ldc, wmma::mem_row_major);
    } else {
      wmma::fill_fragment(fc, 0.0f);
    }
#pragma unroll
    for (int k = 0; k < KT; ++k) {
      wmma::load_matrix_sync(fa, a_rows ? a + k * 16 : a + k * 16 * lda, lda);
      wmma::load_matrix_sync(fb, b_rows ? b + k * 16 * ldb + n * 16 : b + n * 16 * ldb + k * 16,
                             ldb);
      wmma::mma_sync(fc, fa, fb, fc);
    }
    __syncwarp();  // every lane has read C before any lane overwrites it
    wmma::store_matrix_sync(c + n * 16, fc, ldc, wmma::mem_row_major);
  }
}

__device__ inline float warp_max(float x) {
#pragma unroll
  for (int d = 16; d > 0; d /= 2) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, d));
  return x;
}

__device__ inline float warp_sum(float x) {
#pragma unroll
  for (int d = 16; d > 0; d /= 2) x += __shfl_xor_sync(0xffffffffu, x, d);
  return x;
}

// Positions of rows [first, first + n) of a map, -1 past n, for `tile` slots.
__device__ inline void map_positions(int64_t* pos, const RowMap& map, int64_t first, int n,
                                     int tile) {
  for (int i = threadIdx.x; i < tile; i += kThreads) pos[i] = i < n ? map.pos(first + i) : -1;
}

// The XPOS origin of a (query tile, key tile) pair: at or before every query and at or after
// most keys, so q's factor decays and k's stays within the tile's span.
__device__ inline int64_t xpos_origin(int64_t first_query, int64_t last_key) {
  return min(first_query, last_key);
}

// Merging a pass's (lse_pass, O_pass = o / l) into the running (lse_old, O_old):
// lse = logaddexp(lse_old, lse_pass), O = w_old O_old + w_pass o. lse_old may be -inf.
struct Merge {
  float lse, w_old, w_pass;
};

__device__ inline Merge merge_weights(float lse_old, float lse_pass, float l) {
  const float hi = fmaxf(lse_old, lse_pass);
  const float lse = hi + log1pf(expf(fminf(lse_old, lse_pass) - hi));
  return {lse, expf(lse_old - lse), expf(lse_pass - lse) / l};
}

// Whether the query at qp attends the key at kp within a group (-1: no row).
__device__ inline bool attends(int64_t qp, int64_t kp, bool causal) {
  return qp >= 0 && kp >= 0 && (!causal || kp <= qp);
}

// Carves a kernel's dynamic shared memory into 128-byte aligned arrays. With base 0 it only
// counts, so the host asks the same code for the launch size.
struct SmemCarver {
  uintptr_t base;
  size_t used = 0;
  template <class T>
  __host__ __device__ T* take(size_t n) {
    T* p = reinterpret_cast<T*>(base + used);
    used += (n * sizeof(T) + 127) / 128 * 128;
    return p;
  }
};

// Stages key tile [m0, m0 + rows_k) for a query-owning CTA: key positions, K and V, and with
// XPOS the query tile again, scaled for this pair's origin. Ends with a barrier; returns the
// origin. Smem has q, k, v (bf16 row tiles) and qpos, kpos.
template <int Dh, class Smem>
__device__ int64_t stage_key_tile(const Smem& sm, const RowMap& keys, int64_t m0, int rows_k,
                                  const CallGeometry& g, RowView q, RowView k, RowView v,
                                  const float* decay) {
  map_positions(sm.kpos, keys, m0, rows_k, kBlockN);
  __syncthreads();
  const int64_t origin = xpos_origin(sm.qpos[0], sm.kpos[rows_k - 1]);
  if (decay) load_rows<Dh>(sm.q, q, g.q_start, sm.qpos, kBlockM, decay, origin, 1.0f);
  load_rows<Dh>(sm.k, k, g.kv_start, sm.kpos, kBlockN, decay, origin, -1.0f);
  load_rows<Dh>(sm.v, v, g.kv_start, sm.kpos, kBlockN, nullptr, 0, 0);
  __syncthreads();
  return origin;
}

}  // namespace longnet::attention::cuda_detail
