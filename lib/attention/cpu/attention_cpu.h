#pragma once
// Attention on the CPU (DESIGN.md section 3): dense, sparse-fixed and dilated, in float or double,
// blocked FlashAttention-style (online softmax over key blocks), O(N) memory, OpenMP over
// (batch, head, query tile). The oracle for the CUDA kernels.
//
// Q and O hold the rows of positions [q_start, q_start + q_len) of the Problem, K and V those of
// [kv_start, kv_start + kv_len); only keys inside the kv window count. lse is [batch, head,
// q_len], contiguous; a query given no key gets O = 0 and lse = -inf.
#include "attention/spec.h"

namespace longnet::attention {

template <class T>
void attention_forward_cpu(const Spec& spec, const Problem& problem, Bnhd<const T> q,
                           Bnhd<const T> k, Bnhd<const T> v, Bnhd<T> o, T* lse);

// The exact gradient, given the forward's O and lse (one lse over all patterns). Writes dq, dk, dv,
// or adds to them when `accumulate` is set.
template <class T>
void attention_backward_cpu(const Spec& spec, const Problem& problem, Bnhd<const T> q,
                            Bnhd<const T> k, Bnhd<const T> v, Bnhd<const T> o, const T* lse,
                            Bnhd<const T> d_o, Bnhd<T> dq, Bnhd<T> dk, Bnhd<T> dv,
                            bool accumulate = false);

}  // namespace longnet::attention
