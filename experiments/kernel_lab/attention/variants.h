#pragma once
// The numbered forward variants of the attention kernel lab, all with the library's signature.
// The library's forward is 06 at head dim 64 and 05 at 128 (lib/attention/cuda/forward.cu).
#include "attention/cuda/attention_cuda.h"

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

// 04, 05: lib/attention/cuda/flash_forward.cuh (cp.async pipeline, swizzled tiles, ldmatrix)
// with CTAs of 4 warps / 64 queries and 8 warps / 128 queries (04_flash_w4.cu, 05_flash_w8.cu).
void flash_w4_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                      Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                      float* lse, const CudaLaunch& launch);
void flash_w8_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                      Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                      float* lse, const CudaLaunch& launch);
// 06: the same kernel, each warp two 16-row query tiles sharing every K/V fragment, 4 warps
// (Dh 64; Dh 128 as 05) (06_flash_w4x2.cu).
void flash_w4x2_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                        Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                        float* lse, const CudaLaunch& launch);

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
    {"04_flash_w4", flash_w4_forward},
    {"05_flash_w8", flash_w8_forward},
    {"06_flash_w4x2", flash_w4x2_forward},
};

}  // namespace longnet::attention::lab
