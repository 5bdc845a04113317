#pragma once
// The numbered variants of the attention kernel lab, all with the library's signatures.
// The library's forward is 08 at head dim 64 and 05 at 128 (lib/attention/cuda/forward.cu), its
// backward 15 at head dim 64 and 11 at 128 (lib/attention/cuda/backward.cu).
#include "attention/cuda/attention_cuda.h"
#include "attention/cuda/pass.h"
#include "gpu_attention_run.h"

namespace longnet::attention::lab {

// Every variant runs inside the library's forward frame (cuda_detail::forward_with), so they
// share its workspace size and differ only in the per-pass kernel.

// 01: one thread per query row, fp32 (01_naive.cu).
void naive_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                   Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                   float* lse, const CudaLaunch& launch);

// 02: WMMA with every tile staged in shared memory, the first library path (02_wmma_flash.cu).
void wmma_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                  Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o, float* lse,
                  const CudaLaunch& launch);

// 03: mma.sync m16n8k16 with scores, probabilities and O in registers (03_mma_sync_flash.cu).
void mma_sync_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                      Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                      float* lse, const CudaLaunch& launch);

// 04-08: lib/attention/cuda/flash_forward.cuh in CTA shapes of Warps warps of MTiles 16-row
// query tiles at head dim 64 (Warps128, MTiles128 at 128) (04_08_flash_shapes.cu).
template <int Warps, int MTiles, int Warps128, int MTiles128>
void flash_shape_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                         Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                         float* lse, const CudaLaunch& launch);

// 17-19: Hopper wgmma at head dim 64 (S = Q K^T from shared tiles, O += P V with P from
// registers), CTAs of Groups warpgroups of 64 query rows, key tiles of Keys rows, registers
// capped for CtasPerSm, Stages K/V stages (3: the next S and this P V overlap the softmax);
// head dim 128 runs the library's kernel (17_wgmma_forward.cu).
template <int Groups, int Keys, int CtasPerSm, int Stages>
void wgmma_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                   Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o, float* lse,
                   const CudaLaunch& launch);

// Multiplies small integers with the three wgmma forms variant 17 uses and compares every
// element with the CPU; prints the result (wgmma_self_check.cu).
bool wgmma_self_check();

// Backward variants, with the signature of attention_backward_cuda (the flag is ignored: all of
// them run our kernels, which are deterministic). They run inside the library's backward frame
// (cuda_detail::backward_with: same passes, workspace, D and final casts).

// 09: WMMA with every tile staged in shared memory; the library's until session 2
// (09_wmma_backward.cu).
void wmma_backward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                   Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<const bf16_bits> o,
                   Bnhd<const bf16_bits> d_o, const float* lse, Bnhd<bf16_bits> dq,
                   Bnhd<bf16_bits> dk, Bnhd<bf16_bits> dv, bool, const CudaLaunch& launch);

// 10-15: lib/attention/cuda/flash_backward.cuh with CTA shapes (warps, 16-row tiles per warp,
// streamed rows) for the dK/dV and the dQ kernel at Dh 64 and 128 (10_15_flash_backward_shapes.cu).
template <cuda_detail::BackwardShape K64, cuda_detail::BackwardShape Q64,
          cuda_detail::BackwardShape K128, cuda_detail::BackwardShape Q128>
void flash_shape_backward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                          Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v,
                          Bnhd<const bf16_bits> o, Bnhd<const bf16_bits> d_o, const float* lse,
                          Bnhd<bf16_bits> dq, Bnhd<bf16_bits> dk, Bnhd<bf16_bits> dv, bool,
                          const CudaLaunch& launch);

// 16: dQ from the dS tiles the dK/dV kernel stores (bf16, a lab-owned workspace) instead of
// recomputing S and dP; strided passes only, summary passes as 15/11 (16_backward_ds_tiles.cu).
void ds_tiles_backward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                       Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<const bf16_bits> o,
                       Bnhd<const bf16_bits> d_o, const float* lse, Bnhd<bf16_bits> dq,
                       Bnhd<bf16_bits> dk, Bnhd<bf16_bits> dv, bool, const CudaLaunch& launch);

// The CTA shapes variants 10-15 use.
using cuda_detail::BackwardShape;
inline constexpr BackwardShape kW4{4, 1, 64}, kW4Half{4, 1, 32}, kW8{8, 1, 64}, kW8Half{8, 1, 32},
    kW4x2{4, 2, 32}, kW8x2{8, 2, 32}, kW8Half2{8, 1, 32, 2},
    kW4Half3{4, 1, 32, 3}, kW4x3{4, 1, 64, 3};

struct BackwardVariant {
  const char* name;
  testing::BackwardFn backward;
};

inline constexpr BackwardVariant kBackwardVariants[] = {
    {"09_bwd_wmma", wmma_backward},
    // 4 warps x 16 rows (64 owned rows per CTA); 64 streamed rows (dK/dV at Dh 128: 32).
    {"10_bwd_flash_w4", flash_shape_backward<kW4, kW4, kW4Half, kW4>},
    // 8 warps x 16 rows (128 owned rows): half the streamed copies per FLOP. The library's at
    // Dh 128.
    {"11_bwd_flash_w8", flash_shape_backward<kW8, kW8, kW8Half, kW8>},
    // 11 with the Dh 64 dQ kernel as 4 warps x 2 tiles of 16 rows, 32 streamed rows (each
    // fragment feeds two mma). Two tiles in the dK/dV kernel spill (440 bytes reloaded).
    {"12_bwd_flash_q_w4x2", flash_shape_backward<kW8, kW4x2, kW8Half, kW8>},
    // 11 with the Dh 64 dQ kernel as 8 warps x 2 tiles (256 owned rows), 32 streamed rows.
    {"13_bwd_flash_q_w8x2", flash_shape_backward<kW8, kW8x2, kW8Half, kW8>},
    // 11 with the Dh 64 dQ kernel's registers capped at 128 for two CTAs per SM (4 warps per
    // scheduler instead of 2), 32 streamed rows. (The dK/dV kernel so capped spills 672 bytes.)
    {"14_bwd_flash_q_2cta", flash_shape_backward<kW8, kW8Half2, kW8Half, kW8>},
    // Dh 64: CTAs of 4 warps x 16 rows, registers capped at 168 for three CTAs per SM (12 warps);
    // 32 streamed rows for dK/dV, 64 for dQ. The library's at Dh 64.
    {"15_bwd_flash_w4_3cta", flash_shape_backward<kW4Half3, kW4x3, kW8Half, kW8>},
    // 15's dK/dV kernel also stores dS (bf16); dQ = dS K by a query-owning pass over those tiles
    // (5 matmul units instead of 7). Needs a workspace of dS tiles: 2 GiB on the bar case.
    {"16_bwd_ds_tiles", ds_tiles_backward},
};

// n random bf16 values of unit variance, drawn on the device (device_fill.cu).
void fill_random_bf16(uint16_t* out, size_t n, uint64_t seed);

struct Variant {
  const char* name;
  void (*forward)(const Spec&, const Problem&, Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                  Bnhd<const bf16_bits>, Bnhd<bf16_bits>, float*, const CudaLaunch&);
};

inline constexpr Variant kVariants[] = {
    {"01_naive", naive_forward},
    {"02_wmma_flash", wmma_forward},
    {"03_mma_sync_flash", mma_sync_forward},
    // 03 + cp.async pipeline, swizzled tiles, ldmatrix; 4 warps x 16 rows (64 queries).
    {"04_flash_w4", flash_shape_forward<4, 1, 4, 1>},
    // 8 warps x 16 rows (128 queries): half the K/V copies and barriers per FLOP.
    {"05_flash_w8", flash_shape_forward<8, 1, 8, 1>},
    // 4 warps x 2 tiles (128 queries): each K/V fragment feeds two mma. Dh 128 as 05 (it spills).
    {"06_flash_w4x2", flash_shape_forward<4, 2, 8, 1>},
    // 2 warps x 2 tiles (64 queries): four CTAs per SM overlap each other's prologue/epilogue.
    {"07_flash_w2x2", flash_shape_forward<2, 2, 8, 1>},
    // 8 warps x 2 tiles (256 queries): half 06's copies per FLOP, one CTA per SM.
    {"08_flash_w8x2", flash_shape_forward<8, 2, 8, 1>},
    // wgmma, 2 warpgroups (128 queries), 64-key tiles, two CTAs per SM (registers capped at 128).
    {"17_wgmma_g2k64", wgmma_forward<2, 64, 2, 2>},
    // wgmma, 3 warpgroups (192 queries), 128-key tiles, one CTA per SM (as FlashAttention-3's
    // head-dim-64 tile, without its warp specialisation).
    {"18_wgmma_g3k128", wgmma_forward<3, 128, 1, 2>},
    // 17 with three K/V stages: S of tile j and P V of tile j - 1 issued together, the
    // exponentials of S run while P V is in flight (FA3's intra-warpgroup overlap).
    {"19_wgmma_overlap", wgmma_forward<2, 64, 2, 3>},
    // 19 with 3 warpgroups (192 queries) and one CTA per SM: registers capped at 168, not 128.
    {"20_wgmma_overlap_g3", wgmma_forward<3, 64, 1, 3>},
};

}  // namespace longnet::attention::lab
