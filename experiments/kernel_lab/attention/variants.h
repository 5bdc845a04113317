#pragma once
// The numbered forward variants of the attention kernel lab, all with the library's signature.
// 02 is the library's own path (lib/attention/cuda), the current winner.
#include "attention/cuda/attention_cuda.h"

namespace longnet::attention::lab {

// Every variant runs inside the library's forward frame (cuda_detail::forward_with), so they
// share its workspace size and differ only in the per-pass kernel.

// 01: one thread per query row, fp32 (01_naive.cu).
void naive_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                   Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                   float* lse, const CudaLaunch& launch);

// 03: mma.sync m16n8k16 with scores, probabilities and O in registers (03_mma_sync_flash.cu).
void mma_sync_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                      Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                      float* lse, const CudaLaunch& launch);

struct Variant {
  const char* name;
  void (*forward)(const Spec&, const Problem&, Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                  Bnhd<const bf16_bits>, Bnhd<bf16_bits>, float*, const CudaLaunch&);
};

inline constexpr Variant kVariants[] = {
    {"01_naive", naive_forward},
    {"02_wmma_flash", attention_forward_cuda},
    {"03_mma_sync_flash", mma_sync_forward},
};

}  // namespace longnet::attention::lab
