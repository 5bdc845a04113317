#pragma once
// Element types of the CUDA building blocks, usable without CUDA headers.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace longnet::cuda {

// bfloat16 as stored: the top half of an IEEE float. Same layout as CUDA's __nv_bfloat16.
struct bf16 {
  uint16_t bits;
};

// f64 is the oracle dtype (gradchecks, references): the generic kernels compute it in fp64; the
// fused training kernels (LayerNorm, cross-entropy, embedding, rotary, AdamW) take f32/bf16 only.
enum class DType : uint8_t { f32, bf16, f64 };

inline size_t size_of(DType t) { return t == DType::f64 ? 8 : t == DType::f32 ? 4 : 2; }
inline const char* name(DType t) { return t == DType::f64 ? "f64" : t == DType::f32 ? "f32" : "bf16"; }

// Round to nearest even, as __float2bfloat16_rn does; NaN stays NaN.
inline bf16 to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return {static_cast<uint16_t>((u >> 16) | 0x40)};
  u += 0x7fffu + ((u >> 16) & 1u);
  return {static_cast<uint16_t>(u >> 16)};
}

inline float to_float(bf16 b) {
  uint32_t u = static_cast<uint32_t>(b.bits) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace longnet::cuda
