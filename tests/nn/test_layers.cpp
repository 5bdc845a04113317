// Layers in f64: dense causal attention against a direct loop, gradients of every layer.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/dense_attention.h"
#include "nn/feed_forward.h"
#include "nn/tiny_dense_lm.h"
#include "ops/create.h"
#include "ops/gradcheck.h"

namespace longnet {
namespace {

using testing::gradcheck;
using testing::Layout;
using testing::random_input;
using testing::values;

const nn::TensorOptions kF64{.dtype = DType::f64};

TEST(DenseAttention, MatchesTheCausalSoftmaxFormula) {
  const int64_t b = 2, n = 5, h = 3, d = 4;
  const Tensor q = random_input({b, n, h, d}, 1), k = random_input({b, n, h, d}, 2),
               v = random_input({b, n, h, d}, 3);
  const std::vector<double> vq = values(q), vk = values(k), vv = values(v),
                            out = values(nn::dense_causal_attention(q, k, v));
  auto at = [&](int64_t bi, int64_t i, int64_t hi, int64_t di) {
    return size_t(((bi * n + i) * h + hi) * d + di);
  };
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t hi = 0; hi < h; ++hi)
      for (int64_t i = 0; i < n; ++i) {
        std::vector<double> w(size_t(i + 1));
        double z = 0;
        for (int64_t j = 0; j <= i; ++j) {
          double s = 0;
          for (int64_t di = 0; di < d; ++di) s += vq[at(bi, i, hi, di)] * vk[at(bi, j, hi, di)];
          w[size_t(j)] = std::exp(s / std::sqrt(double(d)));
          z += w[size_t(j)];
        }
        for (int64_t di = 0; di < d; ++di) {
          double o = 0;
          for (int64_t j = 0; j <= i; ++j) o += w[size_t(j)] / z * vv[at(bi, j, hi, di)];
          EXPECT_NEAR(out[at(bi, i, hi, di)], o, 1e-12);
        }
      }
}

TEST(DenseAttention, Gradients) {
  EXPECT_TRUE(gradcheck(
      [](const auto& in) { return nn::dense_causal_attention(in[0], in[1], in[2]); },
      {random_input({1, 5, 2, 4}, 4), random_input({1, 5, 2, 4}, 5, Layout::transposed),
       random_input({1, 5, 2, 4}, 6, Layout::sliced)}));
}

TEST(Layers, LinearAndFeedForwardGradients) {
  nn::Linear linear(5, 3, true, 1.0, kF64);
  nn::initialize(linear, 1);
  EXPECT_TRUE(gradcheck([&](const auto& in) { return linear.forward(in[0]); },
                        {random_input({2, 5}, 7), linear.weight, linear.bias}));
  nn::FeedForward ffn(4, 7, 1.3, kF64);
  nn::initialize(ffn, 2);
  std::vector<Tensor> inputs{random_input({2, 3, 4}, 8)};
  for (const auto& p : ffn.named_parameters()) inputs.push_back(p.tensor);
  EXPECT_TRUE(gradcheck([&](const auto& in) { return ffn.forward(in[0]); }, inputs,
                        {.eps = 1e-6, .atol = 1e-6, .rtol = 1e-5}));
}

TEST(Layers, WholeModelGradients) {
  const nn::TinyLMConfig config{.vocab = 7, .dim = 8, .heads = 2, .layers = 2, .ffn_hidden = 12};
  nn::TinyDenseLM model(config, 3, kF64);
  const Tensor ids = ops::from_vector<int64_t>({1, 5, 0, 6, 2, 2, 3, 4}, {2, 4});
  std::vector<Tensor> params;
  for (const auto& p : model.named_parameters())
    if (p.name.find("layers.1.") == 0 || p.name == "embed_tokens.weight") params.push_back(p.tensor);
  EXPECT_TRUE(gradcheck([&](const auto&) { return model.forward(ids); }, params,
                        {.eps = 1e-6, .atol = 1e-6, .rtol = 1e-5}));
}

}  // namespace
}  // namespace longnet
