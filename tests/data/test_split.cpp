#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>

#include "data/split.h"

namespace longnet::data {

TEST(Split, SameNameSameSplitWhateverElseIsThere) {
  SplitSpec spec{0.2, 0.1, 0};
  std::vector<Split> first;
  for (int i = 0; i < 500; ++i) first.push_back(assign_split(fmt::format("dir{}/sub", i), spec));
  for (int i = 499; i >= 0; --i) EXPECT_EQ(assign_split(fmt::format("dir{}/sub", i), spec), first[size_t(i)]);
}

TEST(Split, SharesFollowTheRecipeWithinSamplingError) {
  SplitSpec spec{0.2, 0.1, 0};
  const int n = 20000;
  int counts[3] = {};
  for (int i = 0; i < n; ++i) ++counts[int(assign_split(fmt::format("doc/{}", i), spec))];
  // Four standard deviations of a binomial count.
  const auto near = [&](int count, double p) { return std::abs(count - n * p) < 4 * std::sqrt(n * p * (1 - p)); };
  EXPECT_TRUE(near(counts[int(Split::valid)], 0.2)) << counts[int(Split::valid)];
  EXPECT_TRUE(near(counts[int(Split::test)], 0.1)) << counts[int(Split::test)];
}

TEST(Split, TheSeedReshufflesAndZeroSharesEmptyASplit) {
  int changed = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto name = fmt::format("doc/{}", i);
    changed += assign_split(name, {0.5, 0.0, 1}) != assign_split(name, {0.5, 0.0, 2});
    EXPECT_NE(assign_split(name, {0.5, 0.0, 1}), Split::test);
  }
  EXPECT_GT(changed, 300);  // about half of them move between train and valid
}

}  // namespace longnet::data
