// Embedding lookup and its deterministic backward.
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/embedding.h"
#include "ops/gradcheck.h"
#include "ops/reduce.h"

namespace longnet {
namespace {

using testing::gradcheck;
using testing::random_input;
using testing::values;

TEST(Embedding, LooksUpRows) {
  const Tensor w = random_input({5, 3}, 70);
  const Tensor ids = ops::from_vector<int32_t>({4, 0, 4, 2}, {2, 2});
  const Tensor out = ops::embedding(w, ids);
  EXPECT_EQ(out.shape(), (Shape{2, 2, 3}));
  const std::vector<double> vw = values(w), vo = values(out);
  const int rows[4] = {4, 0, 4, 2};
  for (size_t i = 0; i < 4; ++i)
    for (size_t j = 0; j < 3; ++j) EXPECT_EQ(vo[i * 3 + j], vw[size_t(rows[i]) * 3 + j]);
}

TEST(Embedding, RepeatedIdsAccumulateAndOthersGetZero) {
  const Tensor w = random_input({4, 2}, 71);
  const Tensor ids = ops::from_vector<int64_t>({1, 3, 1, 1}, {4});
  backward(ops::sum(ops::embedding(w, ids)));
  EXPECT_EQ(values(w.grad()), (std::vector<double>{0, 0, 3, 3, 0, 0, 1, 1}));
}

TEST(Embedding, IdOutsideTheVocabularyIsAnError) {
  EXPECT_THROW(ops::embedding(random_input({4, 2}, 72), ops::from_vector<int64_t>({4}, {1})),
               RuntimeError);
}

TEST(Embedding, Gradients) {
  const Tensor ids = ops::from_vector<uint16_t>({2, 0, 2, 5, 1, 2}, {3, 2});
  EXPECT_TRUE(gradcheck([&](const auto& in) { return ops::embedding(in[0], ids); },
                        {random_input({6, 3}, 73)}));
}

}  // namespace
}  // namespace longnet
