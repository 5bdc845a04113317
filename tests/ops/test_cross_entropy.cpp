// Cross-entropy with an ignore index: the mean over non-ignored rows, and its gradient.
#include <cmath>

#include "ops/create.h"
#include "ops/cross_entropy.h"
#include "ops/gradcheck.h"

namespace longnet {
namespace {

using testing::gradcheck;
using testing::Layout;
using testing::random_input;
using testing::values;

TEST(CrossEntropy, MeanOverRowsThatAreNotIgnored) {
  const Tensor logits = random_input({2, 3, 5}, 60, Layout::sliced, -2, 2);
  const Tensor targets = ops::from_vector<int64_t>({4, -100, 0, 2, -100, 3}, {2, 3});
  const std::vector<double> x = values(logits);
  const int64_t t[6] = {4, -100, 0, 2, -100, 3};
  double total = 0;
  int count = 0;
  for (size_t r = 0; r < 6; ++r) {
    if (t[r] < 0) continue;
    double z = 0;
    for (size_t j = 0; j < 5; ++j) z += std::exp(x[r * 5 + j]);
    total += std::log(z) - x[r * 5 + size_t(t[r])];
    ++count;
  }
  EXPECT_NEAR(ops::cross_entropy(logits, targets).item<double>(), total / count, 1e-12);
}

TEST(CrossEntropy, EveryRowIgnoredGivesZeroNotNaN) {
  const Tensor logits = random_input({2, 4}, 61);
  const Tensor targets = ops::from_vector<int32_t>({7, 7}, {2});
  EXPECT_EQ(ops::cross_entropy(logits, targets, 7).item<double>(), 0.0);
}

TEST(CrossEntropy, TargetOutsideTheVocabularyIsAnError) {
  const Tensor logits = random_input({2, 4}, 62);
  EXPECT_THROW(ops::cross_entropy(logits, ops::from_vector<int64_t>({1, 4}, {2})), RuntimeError);
}

TEST(CrossEntropy, Gradients) {
  const Tensor targets = ops::from_vector<int64_t>({1, 0, -100, 6, 3, 2}, {3, 2});
  for (Layout layout : {Layout::contiguous, Layout::transposed, Layout::sliced})
    EXPECT_TRUE(gradcheck([&](const auto& in) { return ops::cross_entropy(in[0], targets); },
                          {random_input({3, 2, 7}, 63, layout, -3, 3)}));
  const Tensor u16_targets = ops::from_vector<uint16_t>({1, 0, 4}, {3});
  EXPECT_TRUE(gradcheck([&](const auto& in) { return ops::cross_entropy(in[0], u16_targets); },
                        {random_input({3, 5}, 64)}));
}

}  // namespace
}  // namespace longnet
