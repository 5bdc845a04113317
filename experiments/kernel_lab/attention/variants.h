#pragma once
// The numbered forward variants of the attention kernel lab, all with the library's signature.
// 02 is the library's own path (lib/attention/cuda), the current winner.
#include "attention/cuda/attention_cuda.h"

namespace longnet::attention::lab {

// 01: one thread per query row, fp32 (01_naive.cu).
size_t naive_workspace_bytes(const Spec& spec, const Problem& problem);
void naive_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                   Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                   float* lse, const CudaLaunch& launch);

struct Variant {
  const char* name;
  size_t (*workspace_bytes)(const Spec&, const Problem&);
  void (*forward)(const Spec&, const Problem&, Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                  Bnhd<const bf16_bits>, Bnhd<bf16_bits>, float*, const CudaLaunch&);
};

inline constexpr Variant kVariants[] = {
    {"01_naive", naive_workspace_bytes, naive_forward},
    {"02_wmma_flash", attention_forward_workspace_bytes, attention_forward_cuda},
};

}  // namespace longnet::attention::lab
