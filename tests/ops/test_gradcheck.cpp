// The gradient checker itself: it must reject a wrong gradient.
#include "ops/elementwise.h"
#include "ops/gradcheck.h"

namespace longnet {
namespace {

using namespace testing;  // gradcheck, random_input, Layout

TEST(Gradcheck, RejectsAWrongGradient) {
  // x * detach(x) has the true derivative 2x but backward reports x.
  const auto wrong = [](const auto& in) { return in[0] * in[0].detach(); };
  EXPECT_FALSE(gradcheck(wrong, {random_input({3, 2}, 1, Layout::transposed)}));
  const auto right = [](const auto& in) { return in[0] * in[0]; };
  EXPECT_TRUE(gradcheck(right, {random_input({3, 2}, 1, Layout::transposed)}));
}

}  // namespace
}  // namespace longnet
