#pragma once
// Hopper warpgroup MMA (wgmma, sm_90a) building blocks for the kernel lab's variant 17: shared-
// memory matrix descriptors for 128-byte-swizzled tiles, the async fences, and the three
// products the forward uses. A warpgroup is 4 consecutive warps (128 threads) issuing together.
//
// Tiles: rows of 64 bf16 (128 bytes), 16-byte chunk c of row r stored at chunk c ^ (r % 8) -
// exactly the library's swizzled<64> - with every tile starting on a 1024-byte boundary, since
// the hardware applies the swizzle to address bits 4-6 from bits 7-9 of the absolute address.
// Both operand shapes then use 8-row groups 1024 bytes apart:
// - K-major (Q and K for S = Q K^T): a 64-element row is one swizzle atom, a k16 step is +32
//   bytes on the start address.
// - N-major (V for O += P V, the key index is k): 8 key rows of 128 bytes form an atom, a k16
//   step is +2048 bytes (16 rows).
// The two byte-offset fields (leading, stride) both hold 1024: one is the 8-row-group stride,
// the other the stride between 64-wide atoms along the other dimension (unused at width 64)
// or ignored, whichever reading of the PTX table applies, so no layout guess is needed.
#include <cstdint>

#include "attention/cuda/mma_ops.cuh"

namespace longnet::attention::lab {

using cuda_detail::shared_address;

// Descriptor of a 128B-swizzled tile at `tile` (1024-byte aligned, in shared memory).
__device__ inline uint64_t swizzled_tile_desc(const void* tile) {
  constexpr uint64_t kGroup = 1024 >> 4;  // byte offsets are stored in 16-byte units
  constexpr uint64_t kSwizzle128 = 1;
  return ((shared_address(tile) >> 4) & 0x3fff) | kGroup << 16 | kGroup << 32 | kSwizzle128 << 62;
}
// The same descriptor `bytes` further on (bytes a multiple of 16; stays inside the window).
__device__ inline uint64_t desc_advance(uint64_t desc, uint32_t bytes) { return desc + (bytes >> 4); }

// Swizzled tiles start on this boundary of the shared window.
constexpr int kTileAlign = 1024;

// The first kTileAlign boundary of shared memory at or after p (dynamic shared memory is only
// promised 16-byte alignment: launch with kTileAlign bytes more than the tiles need).
__device__ inline unsigned char* align_1024(unsigned char* p) {
  return p + (kTileAlign - shared_address(p) % kTileAlign) % kTileAlign;
}

// Shared-memory writes by this thread (st.shared, cp.async) become visible to the async proxy
// wgmma reads through; a barrier must still follow for other threads' wgmma.
__device__ inline void fence_async_shared() {
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}
// Orders this warpgroup's register writes (accumulators, A fragments) before the next wgmma.
__device__ inline void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ inline void wgmma_commit() {
  asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}
// Waits until at most `pending` committed wgmma groups are in flight.
template <int pending>
__device__ inline void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(pending) : "memory");
}
// Keeps the compiler from moving accesses of d across the fence/wait asm around it.
template <int N>
__device__ inline void pin_registers(float (&d)[N]) {
#pragma unroll
  for (int i = 0; i < N; ++i) asm volatile("" : "+f"(d[i])::"memory");
}

// Accumulator layout of m64nNk16 (d[N / 2] per thread): warp w of the warpgroup owns rows
// 16w..16w+15; d[i = 4j + e] is row 16w + lane / 4 + 8 (e / 2), column 8j + 2 (lane % 4) + e % 2 -
// the mma.sync m16n8 layout repeated over column blocks j.
__device__ inline int acc_row(int warp_in_group, int lane, int i) {
  return 16 * warp_in_group + lane / 4 + 8 * (i / 2 % 2);
}
__device__ inline int acc_col(int lane, int i) { return 8 * (i / 4) + 2 * (lane % 4) + i % 2; }

// The A fragment (bf16) of columns 16kk..16kk+15 of a matrix held in accumulator layout: the
// register-A layout is the accumulator's for two column blocks, so P never leaves registers.
template <int N>
__device__ inline void pack_a(uint32_t (&a)[4], const float (&p)[N], int kk) {
  const float* x = p + 8 * kk;
  a[0] = cuda_detail::pack_bf16(x[0], x[1]);
  a[1] = cuda_detail::pack_bf16(x[2], x[3]);
  a[2] = cuda_detail::pack_bf16(x[4], x[5]);
  a[3] = cuda_detail::pack_bf16(x[6], x[7]);
}

// d[64 x 64] (+)= A[64 x 16] B[64 x 16]^T, A and B K-major tiles.
__device__ inline void wgmma_ss_n64(float (&d)[32], uint64_t a, uint64_t b, bool accumulate) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 "
      "{"
      "%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,"
      "%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31"
      "}, %32, %33, p, 1, 1, 0, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
      : "l"(a), "l"(b), "r"(static_cast<int>(accumulate)));
}

// d[64 x 128] (+)= A[64 x 16] B[128 x 16]^T, A and B K-major tiles.
__device__ inline void wgmma_ss_n128(float (&d)[64], uint64_t a, uint64_t b, bool accumulate) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 "
      "{"
      "%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,"
      "%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,"
      "%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,"
      "%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63"
      "}, %64, %65, p, 1, 1, 0, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
        "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
        "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
        "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
        "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
      : "l"(a), "l"(b), "r"(static_cast<int>(accumulate)));
}

// d[64 x 64] (+)= A[64 x 16] B[16 x 64]: A from registers (pack_a), B an N-major tile.
__device__ inline void wgmma_rs_n64(float (&d)[32], const uint32_t (&a)[4], uint64_t b,
                                    bool accumulate) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 "
      "{"
      "%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,"
      "%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31"
      "}, {%32,%33,%34,%35}, %36, p, 1, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(static_cast<int>(accumulate)));
}

}  // namespace longnet::attention::lab
