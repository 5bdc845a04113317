#pragma once
// Argument checks shared by the ops; each names the op in its message.
#include <string_view>

#include "tensor/tensor.h"

namespace longnet::ops {

void check_defined(const Tensor& t, std::string_view op);
// Same device and dtype (the ops do no implicit promotion).
void check_same_kind(const Tensor& a, const Tensor& b, std::string_view op);
void check_floating(const Tensor& t, std::string_view op);
void check_rank_at_least(const Tensor& t, int64_t rank, std::string_view op);

}  // namespace longnet::ops
