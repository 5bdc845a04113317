// Seeded dropout: the mask is the Philox rule, same seed same mask, gradient through the mask.
#include "common/philox.h"
#include "ops/create.h"
#include "ops/dropout.h"
#include "ops/gradcheck.h"

namespace longnet {
namespace {

using testing::gradcheck;
using testing::random_input;
using testing::values;

TEST(Dropout, KeepsExactlyTheElementsWhosePhiloxUniformIsAtLeastP) {
  const double p = 0.3;
  const Tensor x = ops::ones({1000}, DType::f64);
  const std::vector<double> y = values(ops::dropout(x, p, 42, 5));
  int kept = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const bool keep = philox::uniform_at(42, 5, i) >= p;
    EXPECT_DOUBLE_EQ(y[i], keep ? 1 / (1 - p) : 0.0) << i;
    kept += keep;
  }
  EXPECT_NEAR(kept / 1000.0, 0.7, 0.05);
}

TEST(Dropout, SameSeedSameMaskOtherStreamOtherMask) {
  const Tensor x = ops::ones({256}, DType::f32);
  EXPECT_EQ(values(ops::dropout(x, 0.5, 1, 2)), values(ops::dropout(x, 0.5, 1, 2)));
  EXPECT_NE(values(ops::dropout(x, 0.5, 1, 2)), values(ops::dropout(x, 0.5, 1, 3)));
}

TEST(Dropout, ZeroProbabilityIsIdentityAndBadPIsAnError) {
  const Tensor x = random_input({3}, 80);
  EXPECT_TRUE(ops::dropout(x, 0.0, 1, 1).is_same(x));
  EXPECT_THROW(ops::dropout(x, 1.0, 1, 1), RuntimeError);
}

TEST(Dropout, Gradients) {
  EXPECT_TRUE(gradcheck([](const auto& in) { return ops::dropout(in[0], 0.4, 9, 1); },
                        {random_input({4, 5}, 81, testing::Layout::transposed)}));
}

}  // namespace
}  // namespace longnet
