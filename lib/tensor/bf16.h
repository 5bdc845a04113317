#pragma once
// bfloat16 as a storage type: the top 16 bits of an IEEE float. Arithmetic happens in float.
#include <bit>
#include <cstdint>

namespace longnet {

struct BFloat16 {
  uint16_t bits = 0;

  BFloat16() = default;
  explicit BFloat16(float value) : bits(round_to_bf16(value)) {}
  explicit operator float() const { return std::bit_cast<float>(uint32_t(bits) << 16); }

  // Round to nearest, ties to even; NaN stays a (quiet) NaN.
  static uint16_t round_to_bf16(float value) {
    uint32_t u = std::bit_cast<uint32_t>(value);
    if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return uint16_t(u >> 16);
  }
};

}  // namespace longnet
