#include "ops/checks.h"

namespace longnet::ops {

void check_defined(const Tensor& t, std::string_view op) {
  if (!t.defined()) fail<RuntimeError>("{}: undefined tensor argument", op);
}

void check_same_kind(const Tensor& a, const Tensor& b, std::string_view op) {
  check_defined(a, op);
  check_defined(b, op);
  if (a.device() != b.device())
    fail<RuntimeError>("{}: operands on different devices ({} and {})", op, to_string(a.device()),
                       to_string(b.device()));
  if (a.dtype() != b.dtype())
    fail<RuntimeError>("{}: operands of different dtypes ({} and {}); cast one first", op,
                       dtype_name(a.dtype()), dtype_name(b.dtype()));
}

void check_floating(const Tensor& t, std::string_view op) {
  check_defined(t, op);
  const bool gpu_bf16 = t.dtype() == DType::bf16 && !t.device().is_cpu();
  if (t.dtype() != DType::f32 && t.dtype() != DType::f64 && !gpu_bf16)
    fail<RuntimeError>("{}: needs an f32 or f64 tensor (or bf16 on a GPU), got {} on {} (cast "
                       "first)",
                       op, dtype_name(t.dtype()), to_string(t.device()));
}

DType statistics_dtype(const Tensor& t) { return t.dtype() == DType::bf16 ? DType::f32 : t.dtype(); }

void check_rank_at_least(const Tensor& t, int64_t rank, std::string_view op) {
  check_defined(t, op);
  if (t.dim() < rank)
    fail<RuntimeError>("{}: needs at least {} dims, got shape {}", op, rank,
                       shape_string(t.shape()));
}

}  // namespace longnet::ops
