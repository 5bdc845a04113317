// bfloat16 conversions: round to nearest even, infinities and NaN kept.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "tensor/bf16.h"

namespace longnet {
namespace {

uint16_t bits_of(float f) { return BFloat16(f).bits; }
float from_bits(uint32_t u) { return std::bit_cast<float>(u); }

TEST(BFloat16, ExactValuesKeepTheirTopBits) {
  EXPECT_EQ(bits_of(1.0f), 0x3f80);
  EXPECT_EQ(bits_of(-2.0f), 0xc000);
  EXPECT_EQ(float(BFloat16(0.15625f)), 0.15625f);
}

TEST(BFloat16, RoundsToNearestTiesToEven) {
  EXPECT_EQ(bits_of(from_bits(0x3f808000u)), 0x3f80);  // tie, lower is even
  EXPECT_EQ(bits_of(from_bits(0x3f818000u)), 0x3f82);  // tie, upper is even
  EXPECT_EQ(bits_of(from_bits(0x3f808001u)), 0x3f81);  // above the tie
  EXPECT_EQ(bits_of(from_bits(0x3f807fffu)), 0x3f80);  // below the tie
}

TEST(BFloat16, InfinityOverflowAndNaN) {
  EXPECT_EQ(bits_of(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_EQ(bits_of(std::numeric_limits<float>::max()), 0x7f80);  // rounds past the largest bf16
  EXPECT_TRUE(std::isnan(float(BFloat16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isnan(float(BFloat16(from_bits(0x7f800001u)))));  // low-bit NaN stays NaN
}

}  // namespace
}  // namespace longnet
