// The LongNet model and its attention op, checked against the plain dense model built from ops.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/attention.h"
#include "nn/dense_attention.h"
#include "nn/lm.h"
#include "nn/tiny_dense_lm.h"
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace longnet::nn {
namespace {

void expect_close(const Tensor& a, const Tensor& b, double tolerance) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  ASSERT_EQ(x.size(), y.size());
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  EXPECT_LT(worst, tolerance);
}

attention::Spec dense_spec() {
  attention::Spec spec;
  spec.kind = attention::Kind::dense;
  return spec;
}

Tensor random_qkv(uint64_t stream) {
  return ops::normal({2, 12, 3, 4}, 0, 1, 5, stream, DType::f64).set_requires_grad(true);
}

// Forward and the gradients of sum(out * w) for q, k and v.
std::vector<Tensor> run(const std::function<Tensor(Tensor, Tensor, Tensor)>& f) {
  Tensor q = random_qkv(1), k = random_qkv(2), v = random_qkv(3);
  const Tensor out = f(q, k, v);
  const Tensor w = ops::normal(out.shape(), 0, 1, 5, 4, DType::f64);
  backward(ops::sum(out * w));
  return {out.detach(), q.grad(), k.grad(), v.grad()};
}

TEST(AttentionOp, DenseKindMatchesTheOpsReferenceForwardAndBackward) {
  const auto got =
      run([](Tensor q, Tensor k, Tensor v) { return attention(q, k, v, dense_spec()); });
  const auto want =
      run([](Tensor q, Tensor k, Tensor v) { return dense_causal_attention(q, k, v); });
  for (size_t i = 0; i < got.size(); ++i) expect_close(got[i], want[i], 1e-10);
}

TEST(AttentionOp, BlockwiseCausalAttentionSeesTheOwnAndThePreviousBlock) {
  // N = 12, block 4: queries of block 2 (positions 8..11) see keys 4..11 only; they equal dense
  // attention over positions 4..11 alone. Block 0 equals dense attention over 0..3.
  const auto bca = run([](Tensor q, Tensor k, Tensor v) {
    return attention(q, k, v, dense_spec(), {.block = 4});
  });
  const auto tail = run([](Tensor q, Tensor k, Tensor v) {
    return dense_causal_attention(ops::slice(q, 1, 4, 12), ops::slice(k, 1, 4, 12),
                                  ops::slice(v, 1, 4, 12));
  });
  expect_close(ops::slice(bca[0], 1, 8, 12), ops::slice(tail[0], 1, 4, 8), 1e-10);
  const auto head = run([](Tensor q, Tensor k, Tensor v) {
    return dense_causal_attention(ops::slice(q, 1, 0, 4), ops::slice(k, 1, 0, 4),
                                  ops::slice(v, 1, 0, 4));
  });
  expect_close(ops::slice(bca[0], 1, 0, 4), head[0], 1e-10);
}

TEST(LongNetLM, WithDenseAttentionAndNoDecayItIsTheReferenceDenseModel) {
  config::ModelConfig m{.vocab_size = 11, .layers = 2, .dim = 16, .heads = 2, .ffn_dim = 24,
                        .xpos_scale_base = 0};
  config::AttentionConfig a;
  a.kind = config::AttentionKind::dense;
  const LongNetLM model(m, a, 3);
  const TinyDenseLM reference({.vocab = 11, .dim = 16, .heads = 2, .layers = 2, .ffn_hidden = 24},
                              3);
  const auto ours = model.named_parameters(), theirs = reference.named_parameters();
  ASSERT_EQ(ours.size(), theirs.size());
  for (size_t i = 0; i < ours.size(); ++i) EXPECT_EQ(ours[i].name, theirs[i].name);
  std::vector<int64_t> ids(2 * 9);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = int64_t(i * 7 % 11);
  const Tensor x = Tensor::from_vector(ids, {2, 9});
  expect_close(ops::cast(model.forward(x), DType::f64), ops::cast(reference.forward(x), DType::f64),
               1e-4);
}

TEST(LongNetLM, TiedEmbeddingsHaveNoOutputProjection) {
  config::ModelConfig m{.vocab_size = 11, .layers = 1, .dim = 8, .heads = 2, .ffn_dim = 8,
                        .tie_embeddings = true};
  const LongNetLM model(m, {}, 1);
  for (const auto& p : model.named_parameters())
    EXPECT_EQ(p.name.find("output_projection"), std::string::npos) << p.name;
  EXPECT_EQ(model.forward(Tensor::from_vector(std::vector<int64_t>{1, 2, 3}, {1, 3})).shape(),
            (Shape{1, 3, 11}));
}

TEST(LongNetLM, EveryAttentionKindRunsForwardAndBackward) {
  for (auto kind : {config::AttentionKind::dense, config::AttentionKind::sparse,
                    config::AttentionKind::dilated}) {
    config::ModelConfig m{.vocab_size = 11, .layers = 1, .dim = 8, .heads = 2, .ffn_dim = 8};
    config::AttentionConfig a;
    a.kind = kind;
    a.segment_lengths = {4, 8};
    a.dilation_rates = {1, 2};
    a.sparse = {.block = 4, .summary = 1};
    const LongNetLM model(m, a, 1);
    const Tensor logits = model.forward(Tensor::from_vector(std::vector<int64_t>(10, 4), {1, 10}));
    backward(ops::sum(logits));
    for (const auto& p : model.named_parameters())
      EXPECT_TRUE(p.tensor.grad().defined()) << p.name;
  }
}

}  // namespace
}  // namespace longnet::nn
