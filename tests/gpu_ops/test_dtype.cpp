// Host-side bf16 conversion: the rounding the GPU's __float2bfloat16_rn performs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ops/cuda/dtype.h"

namespace longnet::cuda {
namespace {

TEST(Bf16, KeepsTheTopSixteenBitsOfExactValues) {
  for (float f : {0.f, -0.f, 1.f, -2.5f, 65536.f, 1.f / 128}) EXPECT_EQ(to_float(to_bf16(f)), f);
  EXPECT_EQ(to_bf16(1.f).bits, 0x3f80);
}

TEST(Bf16, RoundsToNearestTiesToEven) {
  // bf16 has 7 fraction bits: near 1 the spacing is 2^-7.
  const float step = 1.f / 128;
  EXPECT_EQ(to_float(to_bf16(1.f + step / 2)), 1.f);               // tie, 1.0 is even
  EXPECT_EQ(to_float(to_bf16(1.f + 3 * step / 2)), 1.f + 2 * step);  // tie, rounds up to even
  EXPECT_EQ(to_float(to_bf16(1.f + step * 0.51f)), 1.f + step);
  EXPECT_EQ(to_float(to_bf16(1.f + step * 0.49f)), 1.f);
}

TEST(Bf16, NaNStaysNaNAndInfinityStaysInfinite) {
  EXPECT_TRUE(std::isnan(to_float(to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(to_float(to_bf16(INFINITY)), INFINITY);
  EXPECT_EQ(to_float(to_bf16(3.4e38f)), INFINITY);  // above bf16's largest finite value
}

TEST(DType, SizesAndNames) {
  EXPECT_EQ(size_of(DType::f32), 4u);
  EXPECT_EQ(size_of(DType::bf16), 2u);
  EXPECT_EQ(size_of(DType::f64), 8u);
  EXPECT_STREQ(name(DType::f32), "f32");
  EXPECT_STREQ(name(DType::bf16), "bf16");
  EXPECT_STREQ(name(DType::f64), "f64");
}

}  // namespace
}  // namespace longnet::cuda
