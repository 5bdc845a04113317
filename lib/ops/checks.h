#pragma once
// Argument checks shared by the ops; each names the op in its message. And the dtype rule of
// mixed precision (DESIGN.md section 4) the ops share.
#include <string_view>

#include "tensor/tensor.h"

namespace longnet::ops {

void check_defined(const Tensor& t, std::string_view op);
// Same device and dtype (the ops do no implicit promotion).
void check_same_kind(const Tensor& a, const Tensor& b, std::string_view op);
// f32 or f64 anywhere; bf16 on a GPU (its kernels compute bf16 storage in fp32).
void check_floating(const Tensor& t, std::string_view op);
// The dtype of statistics and losses an op computes from `t`: f32 for bf16 tensors (LayerNorm's
// mean and rstd, cross-entropy's losses), t's own otherwise.
DType statistics_dtype(const Tensor& t);
void check_rank_at_least(const Tensor& t, int64_t rank, std::string_view op);

}  // namespace longnet::ops
