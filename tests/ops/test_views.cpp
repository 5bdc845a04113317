// Views share storage and copy nothing; contiguous copies only when it must; concat and split.
#include "ops/create.h"
#include "ops/elementwise.h"
#include "ops/gradcheck.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace longnet {
namespace {

using testing::gradcheck;
using testing::Layout;
using testing::random_input;
using testing::values;

Tensor iota(const Shape& shape) {
  std::vector<double> v(size_t(shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = double(i);
  return ops::from_vector(v, shape);
}

TEST(Views, ShareStorageAndFollowStrides) {
  const Tensor x = iota({2, 3, 4});
  const Tensor t = ops::transpose(x, 0, 2);
  EXPECT_EQ(t.storage(), x.storage());
  EXPECT_EQ(t.shape(), (Shape{4, 3, 2}));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(values(t)[1], 12.0);  // t[0][0][1] = x[1][0][0]
  const Tensor p = ops::permute(x, {1, 2, 0});
  EXPECT_EQ(values(p)[1], 12.0);  // p[0][0][1] = x[1][0][0]
  const Tensor s = ops::slice(x, 2, 1, 3);
  EXPECT_EQ(s.storage(), x.storage());
  EXPECT_EQ(values(s), (std::vector<double>{1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22}));
  const Tensor e = ops::expand(ops::slice(x, 0, 0, 1), {3, 3, 4});
  EXPECT_EQ(e.stride(0), 0);
  EXPECT_EQ(values(e)[24], 0.0);
  EXPECT_EQ(ops::unsqueeze(x, 1).shape(), (Shape{2, 1, 3, 4}));
  EXPECT_EQ(ops::squeeze(ops::unsqueeze(x, -1), -1).shape(), x.shape());
}

TEST(Views, ContiguousAndReshapeCopyOnlyWhenTheyMust) {
  const Tensor x = iota({2, 3, 4});
  EXPECT_TRUE(ops::contiguous(x).is_same(x));
  const Tensor r = ops::reshape(x, {6, -1});
  EXPECT_EQ(r.shape(), (Shape{6, 4}));
  EXPECT_EQ(r.storage(), x.storage());
  const Tensor t = ops::transpose(x, 1, 2);
  const Tensor c = ops::contiguous(t);
  EXPECT_NE(c.storage(), x.storage());
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(values(c), values(t));
  EXPECT_EQ(values(ops::reshape(t, {-1})), values(t));
  EXPECT_THROW(ops::reshape(x, {5, -1}), RuntimeError);
}

TEST(Views, BadArgumentsAreErrors) {
  const Tensor x = iota({2, 3});
  EXPECT_THROW(ops::slice(x, 1, 2, 4), RuntimeError);
  EXPECT_THROW(ops::expand(x, {2, 4}), RuntimeError);
  EXPECT_THROW(ops::permute(x, {0, 0}), RuntimeError);
  EXPECT_THROW(ops::transpose(x, 0, 2), RuntimeError);
  EXPECT_THROW(x.as_strided({3, 3}, {3, 1}, 0), RuntimeError);  // past the storage
}

TEST(Views, ConcatAndSplitRoundTrip) {
  const Tensor a = iota({2, 2}), b = ops::full({2, 3}, 9.0, DType::f64);
  const Tensor c = ops::concat({a, b}, 1);
  EXPECT_EQ(values(c), (std::vector<double>{0, 1, 9, 9, 9, 2, 3, 9, 9, 9}));
  const std::vector<Tensor> parts = ops::split(c, {2, 3}, 1);
  EXPECT_EQ(values(parts[0]), values(a));
  EXPECT_EQ(values(parts[1]), values(b));
  EXPECT_THROW(ops::split(c, {2, 2}, 1), RuntimeError);
  EXPECT_THROW(ops::concat({a, iota({3, 3})}, 1), RuntimeError);
}

TEST(Views, Gradients) {
  const Tensor x = random_input({3, 4, 5}, 40, Layout::sliced);
  EXPECT_TRUE(gradcheck([](const auto& in) { return ops::reshape(in[0], {5, -1}); }, {x}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return ops::permute(in[0], {2, 0, 1}); }, {x}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return ops::slice(in[0], 1, 1, 3); }, {x}));
  EXPECT_TRUE(gradcheck(
      [](const auto& in) { return ops::expand(ops::unsqueeze(in[0], 0), {2, 3, 4, 5}); }, {x}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return ops::squeeze(in[0], 1); },
                        {random_input({3, 1, 2}, 41)}));
  EXPECT_TRUE(gradcheck(
      [](const auto& in) { return ops::concat({in[0], in[1], in[0]}, 0); },
      {random_input({2, 3}, 42, Layout::transposed), random_input({1, 3}, 43)}));
  EXPECT_TRUE(gradcheck(
      [](const auto& in) {
        const auto parts = ops::split(in[0], {1, 3, 1}, 1);
        return parts[0] * parts[2] + ops::sum(parts[1], 1, true);
      },
      {random_input({3, 5}, 44)}));
}

}  // namespace
}  // namespace longnet
