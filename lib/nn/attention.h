#pragma once
// The attention of DESIGN.md section 3 as a differentiable op on q, k, v [B, N, H, Dh] (XPOS
// rotation already applied; the relative XPOS decay is part of `spec`). On the CPU it calls the
// blocked kernels of lib/attention/cpu in the tensor's dtype (f32 or f64). On CUDA it calls the
// kernels of lib/attention/cuda (dense through cuDNN where it may) in bf16, casting O and the
// gradients back to the input dtype (f32 or bf16).
#include "attention/spec.h"
#include "tensor/tensor.h"

namespace longnet::nn {

struct AttentionOptions {
  // > 0 and N > block: blockwise causal attention (BCA, to evaluate beyond the training length):
  // the queries of block b see the keys of blocks b-1 and b, and the pattern's positions count
  // from the start of block b-1, as if each pair of blocks were one sequence.
  int64_t block = 0;
  // CUDA: the backward adds up in a fixed order, so repeated runs give identical gradients
  // (dense then uses our kernel instead of cuDNN's, whose backward is not promised to be).
  // The CPU is always deterministic.
  bool deterministic = true;
};

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const attention::Spec& spec,
                 const AttentionOptions& options = {});

}  // namespace longnet::nn
