// Modules: hierarchical names, decay flags, initialisation rules and seeds, optimizer binding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "nn/optimizer_params.h"
#include "nn/tiny_dense_lm.h"
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/gradcheck.h"
#include "ops/reduce.h"

namespace longnet {
namespace {

using testing::values;

const nn::TinyLMConfig kConfig{.vocab = 11, .dim = 16, .heads = 2, .layers = 3, .ffn_hidden = 24};

const nn::NamedParameter& find(const std::vector<nn::NamedParameter>& ps, const std::string& n) {
  const auto it = std::find_if(ps.begin(), ps.end(), [&](const auto& p) { return p.name == n; });
  if (it == ps.end()) throw std::runtime_error("no parameter " + n);
  return *it;
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : values(t)) m = std::max(m, std::abs(v));
  return m;
}

TEST(Module, ParameterNamesFollowTheHierarchy) {
  const nn::TinyDenseLM model(kConfig, 1);
  const auto ps = model.named_parameters();
  EXPECT_EQ(ps.front().name, "embed_tokens.weight");
  EXPECT_EQ(ps.back().name, "output_projection.weight");
  for (const char* name :
       {"layers.2.self_attn.q_proj.weight", "layers.0.self_attn.inner_attn_ln.bias",
        "layers.1.ffn.ffn_layernorm.weight", "layers.1.ffn.fc2.bias",
        "layers.0.self_attn_layer_norm.weight", "layers.2.final_layer_norm.bias",
        "layer_norm.weight"})
    EXPECT_NO_THROW(find(ps, name)) << name;
  // Per layer: 4 projections (E*E + E), 3 LayerNorms of E (before attention, the Sub-LN inside
  // it, before the FFN), the FFN's Sub-LN of its hidden size, fc1 and fc2.
  const int64_t e = 16, f = 24, v = 11;
  const int64_t layer = 4 * (e * e + e) + 3 * 2 * e + 2 * f + (e * f + f) + (f * e + e);
  EXPECT_EQ(model.parameter_count(), v * e + 3 * layer + 2 * e + e * v);
}

TEST(Module, DecayOnlyForWeightMatricesAndEmbeddings) {
  const nn::TinyDenseLM model(kConfig, 1);
  for (const auto& p : model.named_parameters()) {
    const bool matrix = p.tensor.dim() == 2;
    EXPECT_EQ(p.decay, matrix) << p.name;
  }
}

TEST(Module, MagnetoInitialisation) {
  const nn::TinyDenseLM model(kConfig, 1);
  const auto ps = model.named_parameters();
  const double plain = 1 / std::sqrt(16.0), gain = std::sqrt(std::log(2.0 * 3));
  // Wq, Wk: within +-1/sqrt(fan_in); Wv, Wo, W1, W2 and their biases: gain times wider.
  for (const char* n : {"layers.0.self_attn.q_proj.weight", "layers.1.self_attn.k_proj.bias"}) {
    EXPECT_LE(max_abs(find(ps, n).tensor), plain) << n;
    EXPECT_GT(max_abs(find(ps, n).tensor), 0.8 * plain) << n;
  }
  for (const char* n : {"layers.0.self_attn.v_proj.weight", "layers.2.self_attn.out_proj.weight",
                        "layers.1.ffn.fc1.weight", "layers.1.ffn.fc1.bias"}) {
    EXPECT_LE(max_abs(find(ps, n).tensor), gain * plain) << n;
    EXPECT_GT(max_abs(find(ps, n).tensor), plain) << n;
  }
  const double fc2_bound = gain / std::sqrt(24.0);
  EXPECT_LE(max_abs(find(ps, "layers.0.ffn.fc2.weight").tensor), fc2_bound);
  EXPECT_GT(max_abs(find(ps, "layers.0.ffn.fc2.weight").tensor), 1 / std::sqrt(24.0));
  EXPECT_EQ(values(find(ps, "layer_norm.weight").tensor), std::vector<double>(16, 1.0));
  EXPECT_EQ(values(find(ps, "layer_norm.bias").tensor), std::vector<double>(16, 0.0));
  // Wout ~ normal(0, E^-0.5): the sample standard deviation of 176 draws is close.
  const std::vector<double> w = values(find(ps, "output_projection.weight").tensor);
  double sq = 0;
  for (double x : w) sq += x * x;
  EXPECT_NEAR(std::sqrt(sq / double(w.size())), plain, 0.2 * plain);
}

TEST(Module, SameSeedSameWeightsOtherSeedOtherWeights) {
  const nn::TinyDenseLM a(kConfig, 5), b(kConfig, 5), c(kConfig, 6);
  const auto pa = a.named_parameters(), pb = b.named_parameters(), pc = c.named_parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_EQ(values(pa[i].tensor), values(pb[i].tensor));
  EXPECT_NE(values(pa[0].tensor), values(pc[0].tensor));
  // Parameters of the same shape and rule still differ: each draws from its own stream.
  EXPECT_NE(values(find(pa, "layers.0.self_attn.q_proj.weight").tensor),
            values(find(pa, "layers.0.self_attn.k_proj.weight").tensor));
}

TEST(Module, OptimizerParamsGatherGradientsIntoStableBuffers) {
  nn::Linear layer(3, 2, true);
  nn::initialize(layer, 1);
  nn::OptimizerParams params(layer);
  ASSERT_EQ(params.refs().size(), 2u);
  EXPECT_EQ(params.refs()[0].name, "weight");
  EXPECT_TRUE(params.refs()[0].decay);
  EXPECT_FALSE(params.refs()[1].decay);
  const float* grad_buffer = params.refs()[0].grad;
  const Tensor x = ops::from_vector<float>({1, 2, 3}, {1, 3});
  backward(ops::sum(layer.forward(x)));
  params.gather_grads();
  EXPECT_EQ(params.refs()[0].grad, grad_buffer);
  EXPECT_EQ(std::vector<float>(grad_buffer, grad_buffer + 6),
            (std::vector<float>{1, 2, 3, 1, 2, 3}));  // d sum(Wx + b) / dW[o][i] = x[i]
  EXPECT_EQ(params.refs()[1].grad[0], 1.0f);
  EXPECT_FALSE(layer.weight.grad().defined());
  params.gather_grads();  // no backward since: zeros
  EXPECT_EQ(grad_buffer[0], 0.0f);
}

}  // namespace
}  // namespace longnet
