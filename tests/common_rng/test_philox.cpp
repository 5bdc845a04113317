#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "common/philox.h"

namespace longnet::philox {
namespace {

void expect_block(const Block& got, uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3) {
  EXPECT_EQ(got.word[0], w0);
  EXPECT_EQ(got.word[1], w1);
  EXPECT_EQ(got.word[2], w2);
  EXPECT_EQ(got.word[3], w3);
}

// The known-answer vectors published with Random123 (tests/kat_vectors, "philox4x32 10").
TEST(Philox4x32_10, MatchesRandom123KnownAnswers) {
  expect_block(philox4x32_10(Counter{{0, 0, 0, 0}}, Key{{0, 0}}),  //
               0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8);
  expect_block(philox4x32_10(Counter{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
                             Key{{0xffffffff, 0xffffffff}}),
               0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd);
  expect_block(philox4x32_10(Counter{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
                             Key{{0xa4093822, 0x299f31d0}}),
               0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1);
}

TEST(RandomBlock, PutsCounterInLowWordsStreamInHighWordsSeedInKey) {
  // The pi-digits vector again, spelled as (seed, stream, counter) with low words first.
  expect_block(random_block(0x299f31d0a4093822ull, 0x0370734413198a2eull, 0x85a308d3243f6a88ull),
               0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1);
}

TEST(Uniform, EndpointsStayInTheirIntervals) {
  EXPECT_EQ(uniform_closed_open(0u), 0.0f);
  EXPECT_EQ(uniform_closed_open(0xffffffffu), 1.0f - std::ldexp(1.0f, -24));
  EXPECT_EQ(uniform_open_closed(0u), std::ldexp(1.0f, -24));
  EXPECT_EQ(uniform_open_closed(0xffffffffu), 1.0f);
}

TEST(Uniform, MeanAndVarianceWithinFiveSigma) {
  const int n = 1 << 20;
  double sum = 0, sum_sq = 0, lag_product = 0, previous = 0.5;
  for (int i = 0; i < n; ++i) {
    const double u = uniform_at(42, 7, i);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum_sq += (u - 0.5) * (u - 0.5);
    lag_product += (u - 0.5) * (previous - 0.5);
    previous = u;
  }
  // Uniform(0,1): mean 1/2, variance 1/12, Var((u - 1/2)^2) = 1/80 - 1/144 = 1/180.
  EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(sum_sq / n, 1.0 / 12, 5 * std::sqrt(1.0 / 180 / n));
  // Neighbouring elements are uncorrelated: lag-1 covariance has standard deviation 1/(12 sqrt n).
  EXPECT_NEAR(lag_product / n, 0.0, 5 / (12 * std::sqrt(double(n))));
}

TEST(Normal, MomentsAndOneSigmaMassWithinFiveSigma) {
  const int n = 1 << 20;
  double sum = 0, sum_sq = 0;
  int inside_one_sigma = 0;
  for (int i = 0; i < n; ++i) {
    const double z = normal_at(3, 11, i);
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sum_sq += z * z;
    inside_one_sigma += std::fabs(z) < 1.0;
  }
  EXPECT_NEAR(sum / n, 0.0, 5 / std::sqrt(double(n)));
  EXPECT_NEAR(sum_sq / n, 1.0, 5 * std::sqrt(2.0 / n));  // Var(z^2) = 2
  const double p = std::erf(1 / std::sqrt(2.0));         // P(|z| < 1) = 0.6827
  EXPECT_NEAR(double(inside_one_sigma) / n, p, 5 * std::sqrt(p * (1 - p) / n));
}

TEST(Normal, BoxMullerOfKnownWordsFollowsTheFormula) {
  // radius word 0xffffffff -> u = 1 -> radius 0; angle word 2^30 -> angle pi/2.
  const NormalPair zero = box_muller(0xffffffffu, 0x40000000u);
  EXPECT_EQ(zero.first, 0.0f);
  EXPECT_EQ(zero.second, 0.0f);
  // radius word 2^31 - 1 -> u = 1/2 -> radius sqrt(2 ln 2); angle word 0 -> (radius, 0).
  const NormalPair half = box_muller(0x7fffffffu, 0u);
  EXPECT_FLOAT_EQ(half.first, std::sqrt(2 * std::log(2.0f)));
  EXPECT_EQ(half.second, 0.0f);
}

TEST(Elements, AreAPureFunctionOfSeedStreamAndIndex) {
  for (uint64_t i : {0ull, 1ull, 5ull, 1ull << 40}) {
    EXPECT_EQ(uniform_at(1, 2, i), uniform_at(1, 2, i));
    EXPECT_EQ(normal_at(1, 2, i), normal_at(1, 2, i));
    const Block b = random_block(1, 2, i / 4);
    EXPECT_EQ(uniform_at(1, 2, i), uniform_closed_open(b.word[i % 4]));
  }
  // Changing seed, stream or index changes the draw (these would collide with chance 2^-24).
  EXPECT_NE(uniform_at(1, 2, 3), uniform_at(2, 2, 3));
  EXPECT_NE(uniform_at(1, 2, 3), uniform_at(1, 3, 3));
  EXPECT_NE(uniform_at(1, 2, 3), uniform_at(1, 2, 4));
  EXPECT_NE(uniform_at(1, 2, 3), uniform_at(1, 2, 3 + (1ull << 34)));
}

TEST(Elements, NormalLanesPairUpWithinABlock) {
  const Block b = random_block(9, 4, 5);
  const NormalPair low = box_muller(b.word[0], b.word[1]);
  const NormalPair high = box_muller(b.word[2], b.word[3]);
  EXPECT_EQ(normal_at(9, 4, 20), low.first);
  EXPECT_EQ(normal_at(9, 4, 21), low.second);
  EXPECT_EQ(normal_at(9, 4, 22), high.first);
  EXPECT_EQ(normal_at(9, 4, 23), high.second);
}

}  // namespace
}  // namespace longnet::philox
