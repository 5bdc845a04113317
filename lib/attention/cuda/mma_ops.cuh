#pragma once
// Warp-level PTX building blocks of the register-resident flash kernels (sm_80+): cp.async
// copies into XOR-swizzled shared tiles, ldmatrix fragment loads, mma.sync m16n8k16 and ex2.
// Fragment layouts are PTX's: in a warp, lane = 4 * gr + t owns rows gr and gr + 8 of a 16-row
// tile and columns 2t, 2t + 1 of each 8-column block.
#include <cuda_bf16.h>

#include <cstdint>

namespace longnet::attention::cuda_detail {

// Element offset of (row, col) in a [rows][Dh] bf16 tile whose 16-byte chunks are XOR-swizzled
// by row: the 8 rows an ldmatrix reads at one column land in 8 different bank groups, so the
// tile needs no padding. col is a multiple of 8.
template <int Dh>
__device__ inline int swizzled(int row, int col) {
  return row * Dh + ((((col >> 3) ^ row) & 7) | ((col >> 3) & ~7)) * 8;
}

__device__ inline uint32_t shared_address(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// 16 bytes global -> shared without a register round trip; zero-fills when !valid.
__device__ inline void cp_async16(void* dst, const void* src, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared_address(dst)),
               "l"(src), "r"(valid ? 16 : 0)
               : "memory");
}
// 4 bytes global -> shared (through L1: .cg takes only 16); zero-fills when !valid.
__device__ inline void cp_async4(void* dst, const void* src, bool valid) {
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(shared_address(dst)),
               "l"(src), "r"(valid ? 4 : 0)
               : "memory");
}
__device__ inline void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
// Waits until at most `pending` committed groups are in flight; this thread's copies are then
// visible to itself (others need a barrier).
template <int pending>
__device__ inline void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(pending) : "memory");
}

// Four 8x8 bf16 matrices; lanes 8i..8i+7 give the row addresses of matrix i, register i holds
// it. .trans hands each lane a column pair instead of a row pair.
__device__ inline void ldmatrix_x4(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared_address(p))
               : "memory");
}
__device__ inline void ldmatrix_x4_trans(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared_address(p))
               : "memory");
}

// c += a b for one warp: a 16x16 bf16 (row fragments), b 16x8 bf16 (column fragments), c fp32.
__device__ inline void mma16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
      "{%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// 2^x in one MUFU instruction; 2^-inf = 0.
__device__ inline float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

__device__ inline uint32_t pack_bf16(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const uint32_t*>(&v);
}

// Scales the 8 values at `tile` (dims col..col+7) by exp2(rate[p] * d) per dim pair.
__device__ inline void scale_chunk(__nv_bfloat16* tile, const float (&rate)[4], float d) {
  uint4 bits = *reinterpret_cast<const uint4*>(tile);
  __nv_bfloat162* pairs = reinterpret_cast<__nv_bfloat162*>(&bits);
#pragma unroll
  for (int t = 0; t < 4; ++t) {
    const float f = fast_exp2(rate[t] * d);
    const float2 x = __bfloat1622float2(pairs[t]);
    pairs[t] = __floats2bfloat162_rn(x.x * f, x.y * f);
  }
  *reinterpret_cast<uint4*>(tile) = bits;
}


// One warp's s[16 M x Cols] = A[16 M x Dh] B[Cols x Dh]^T from swizzled shared tiles: A's rows
// r0.. r0 + 16 M - 1 as M tiles of 16 (each B fragment feeds all M), B's rows 0..Cols-1 (the
// forward's Q K^T as the backward's S, S^T, dP and dP^T).
template <int Dh, int M, int Cols>
__device__ inline void warp_scores(float (&s)[M][Cols / 8][4], const __nv_bfloat16* a, int r0,
                                   const __nv_bfloat16* b, int lane) {
#pragma unroll
  for (int kk = 0; kk < Dh / 16; ++kk) {
    uint32_t af[M][4];
#pragma unroll
    for (int mt = 0; mt < M; ++mt) {
      ldmatrix_x4(af[mt], a + swizzled<Dh>(r0 + mt * 16 + lane % 16, kk * 16 + lane / 16 * 8));
    }
#pragma unroll
    for (int n = 0; n < Cols / 8; n += 2) {
      uint32_t bf[4];
      ldmatrix_x4(bf, b + swizzled<Dh>(n * 8 + lane % 8 + lane / 16 * 8, kk * 16 + lane / 8 % 2 * 8));
#pragma unroll
      for (int mt = 0; mt < M; ++mt) {
        mma16816(s[mt][n], af[mt], bf[0], bf[1]);
        mma16816(s[mt][n + 1], af[mt], bf[2], bf[3]);
      }
    }
  }
}

// One warp's acc[16 M x Dh] += p[16 M x Cols] Y[Cols x Dh]: p (fp32 accumulator fragments)
// becomes the A operand by packing, Y comes from a swizzled shared tile by ldmatrix.trans, each
// fragment feeding all M tiles (the forward's P V as the backward's dV, dK and dQ products).
template <int Dh, int M, int Cols>
__device__ inline void warp_add_product(float (&acc)[M][Dh / 8][4],
                                        const float (&p)[M][Cols / 8][4],
                                        const __nv_bfloat16* y, int lane) {
#pragma unroll
  for (int kk = 0; kk < Cols / 16; ++kk) {
    uint32_t pa[M][4];
#pragma unroll
    for (int mt = 0; mt < M; ++mt) {
      pa[mt][0] = pack_bf16(p[mt][2 * kk][0], p[mt][2 * kk][1]);
      pa[mt][1] = pack_bf16(p[mt][2 * kk][2], p[mt][2 * kk][3]);
      pa[mt][2] = pack_bf16(p[mt][2 * kk + 1][0], p[mt][2 * kk + 1][1]);
      pa[mt][3] = pack_bf16(p[mt][2 * kk + 1][2], p[mt][2 * kk + 1][3]);
    }
#pragma unroll
    for (int n = 0; n < Dh / 8; n += 2) {
      uint32_t yb[4];
      ldmatrix_x4_trans(yb, y + swizzled<Dh>(kk * 16 + lane % 8 + lane / 8 % 2 * 8, n * 8 + lane / 16 * 8));
#pragma unroll
      for (int mt = 0; mt < M; ++mt) {
        mma16816(acc[mt][n], pa[mt], yb[0], yb[1]);
        mma16816(acc[mt][n + 1], pa[mt], yb[2], yb[3]);
      }
    }
  }
}

}  // namespace longnet::attention::cuda_detail
