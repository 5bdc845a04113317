#pragma once
// CUDA attention (DESIGN.md section 3): flash-style fused kernels, forward and backward, for
// dense, sparse-fixed and dilated attention. bf16 in and out, fp32 accumulation and statistics,
// head dims 64 and 128. Pointer-level: every pointer is device memory, every call is
// asynchronous on the given stream, and no CUDA header is needed to include this file.
//
// Views follow spec.h: [batch, position, head, dim] with dim contiguous. Rows must be 16-byte
// aligned (data pointer and every stride a multiple of 8 elements). lse is [batch, head, q_len]
// fp32. Rows no pattern selects get O = 0, lse = -inf and zero gradients.
#include <cstddef>
#include <cstdint>

#include "attention/spec.h"

namespace longnet::attention {

// bf16 as stored: the top 16 bits of an IEEE float.
using bf16_bits = uint16_t;

// Where a call runs: device scratch memory (at least the *_workspace_bytes of the call, 256-byte
// aligned) and a cudaStream_t passed as void* (nullptr: the legacy default stream).
struct CudaLaunch {
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
  void* stream = nullptr;
};

// The head dims the kernels are built for.
constexpr bool cuda_head_dim_supported(int64_t head_dim) { return head_dim == 64 || head_dim == 128; }

size_t attention_forward_workspace_bytes(const Spec& spec, const Problem& problem);
size_t attention_backward_workspace_bytes(const Spec& spec, const Problem& problem);

// O and lse for the queries of `problem`. K/V rows are global positions [kv_start, kv_start+kv_len).
// O may be the same view as Q (to save a buffer at long N): the passes read Q and O is written
// after the last of them; such a call does not go to cuDNN whole, nor lets cuDNN write O.
void attention_forward_cuda(const Spec& spec, const Problem& problem, Bnhd<const bf16_bits> q,
                            Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                            float* lse, const CudaLaunch& launch);

// dQ, dK, dV from the forward's merged O and lse. `deterministic` computes dQ by a second pass
// over the keys instead of float atomics, so repeated calls give identical bits.
void attention_backward_cuda(const Spec& spec, const Problem& problem, Bnhd<const bf16_bits> q,
                             Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v,
                             Bnhd<const bf16_bits> o, Bnhd<const bf16_bits> d_o, const float* lse,
                             Bnhd<bf16_bits> dq, Bnhd<bf16_bits> dk, Bnhd<bf16_bits> dv,
                             bool deterministic, const CudaLaunch& launch);

// Which engine ran the passes (a whole dense call on cuDNN counts as one cuDNN pass): counts
// since the process started, forward and backward alike, so tests and benchmarks can tell which
// path a call took. LONGNET_ATTENTION_NO_CUDNN=1 keeps every pass on our kernels.
struct AttentionPassCounts {
  int64_t cudnn = 0, kernel = 0;
};
AttentionPassCounts attention_pass_counts();

}  // namespace longnet::attention
