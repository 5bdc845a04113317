#pragma once
// Element types. Compute ops take f32 and f64; bf16 is a storage type (cast to compute); the
// integer types carry token ids (u16 in shards, i32/i64 in batches) and indices.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tensor/bf16.h"

namespace longnet {

enum class DType : uint8_t { f32, f64, bf16, i32, i64, u16 };

size_t dtype_size(DType dtype);
std::string_view dtype_name(DType dtype);
bool is_floating(DType dtype);

// The DType of a C++ element type, for typed access checks.
template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<BFloat16>() { return DType::bf16; }
template <> constexpr DType dtype_of<int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::i64; }
template <> constexpr DType dtype_of<uint16_t>() { return DType::u16; }

// Calls fn(T{}) with the C++ type of `dtype`: visit_dtype for every type, visit_floating for the
// compute types (f32, f64) only; other types throw RuntimeError naming `what`.
template <class Fn>
decltype(auto) visit_dtype(DType dtype, Fn&& fn);
template <class Fn>
decltype(auto) visit_floating(DType dtype, const char* what, Fn&& fn);
// The same for index types (i32, i64, u16): token ids and targets.
template <class Fn>
decltype(auto) visit_index(DType dtype, const char* what, Fn&& fn);

[[noreturn]] void fail_dtype(DType dtype, const char* what, const char* expected);

template <class Fn>
decltype(auto) visit_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::f32: return fn(float{});
    case DType::f64: return fn(double{});
    case DType::bf16: return fn(BFloat16{});
    case DType::i32: return fn(int32_t{});
    case DType::i64: return fn(int64_t{});
    case DType::u16: return fn(uint16_t{});
  }
  fail_dtype(dtype, "visit_dtype", "a known dtype");
}

template <class Fn>
decltype(auto) visit_floating(DType dtype, const char* what, Fn&& fn) {
  if (dtype == DType::f32) return fn(float{});
  if (dtype == DType::f64) return fn(double{});
  fail_dtype(dtype, what, "f32 or f64");
}

template <class Fn>
decltype(auto) visit_index(DType dtype, const char* what, Fn&& fn) {
  if (dtype == DType::i32) return fn(int32_t{});
  if (dtype == DType::i64) return fn(int64_t{});
  if (dtype == DType::u16) return fn(uint16_t{});
  fail_dtype(dtype, what, "i32, i64 or u16");
}

}  // namespace longnet
