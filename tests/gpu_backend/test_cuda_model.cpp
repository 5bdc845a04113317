// End to end: the gradients of a small language model (embedding, LayerNorm, a 2-layer GELU MLP
// with a residual, output projection, cross-entropy) on CUDA match the CPU backend's, in f32 and
// in f64; in f64 a model run entirely on cuda:0 also passes a finite-difference gradcheck.
#include <gtest/gtest.h>

#include <string>

#include "gpu_backend/backend_compare.h"
#include "gpu_ops/gpu_test_support.h"
#include "nn/tiny_dense_lm.h"
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/cross_entropy.h"
#include "ops/elementwise.h"
#include "ops/embedding.h"
#include "ops/gradcheck.h"
#include "ops/layer_norm.h"
#include "ops/matmul.h"
#include "ops/softmax.h"
#include "ops/view.h"
#include "ops/xpos.h"

namespace longnet::test {
namespace {

class CudaBackendModel : public ::testing::TestWithParam<DType> {
 protected:
  Tolerance tolerance(Tolerance f32) const { return GetParam() == DType::f64 ? kF64Tolerance : f32; }
};

INSTANTIATE_TEST_SUITE_P(Dtypes, CudaBackendModel, ::testing::Values(DType::f32, DType::f64),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

TEST_P(CudaBackendModel, SmallLmGradientsMatchTheCpu) {
  constexpr int64_t vocab = 23, dim = 24, hidden = 40, batch = 3, seq = 11;
  const DType t = GetParam();
  const std::vector<Operand> params = {
      random_operand({vocab, dim}, 101, -1, 1, t),             // embedding
      random_operand({dim}, 102, 0.8, 1.2, t),                 // LayerNorm weight
      random_operand({dim}, 103, -0.1, 0.1, t),                // LayerNorm bias
      random_operand({dim, hidden}, 104, -0.3, 0.3, t),        // fc1
      random_operand({hidden}, 105, -0.1, 0.1, t),
      random_operand({hidden, dim}, 106, -0.2, 0.2, t),        // fc2
      random_operand({dim}, 107, -0.1, 0.1, t),
      random_operand({dim, vocab}, 108, -0.3, 0.3, t),         // output projection
  };
  std::vector<int64_t> tokens, targets;
  for (int64_t i = 0; i < batch * seq; ++i) {
    tokens.push_back((i * 7 + 3) % vocab);
    targets.push_back(i % 5 == 4 ? -100 : (i * 11 + 1) % vocab);
  }
  const Tensor ids = ops::from_vector(tokens, {batch, seq});
  const Tensor labels = ops::from_vector(targets, {batch * seq});
  const Tensor gpu_ids = ops::to_device(ids, gpu_device());
  const Tensor gpu_labels = ops::to_device(labels, gpu_device());

  expect_backends_agree(
      [&](const std::vector<Tensor>& p) {
        const bool cpu = p[0].device().is_cpu();
        const Tensor x = ops::embedding(p[0], cpu ? ids : gpu_ids);  // [B, N, E]
        const Tensor h = ops::layer_norm(x, p[1], p[2]);
        const Tensor u = ops::gelu(ops::add(ops::matmul(h, p[3]), p[4]));
        const Tensor y = ops::add(x, ops::add(ops::matmul(u, p[5]), p[6]));
        const Tensor logits = ops::reshape(ops::matmul(y, p[7]), {batch * seq, vocab});
        return ops::cross_entropy(logits, cpu ? labels : gpu_labels);
      },
      params, tolerance({1e-4, 1e-5}));
}

// The copy-task model, initialised on each device from one seed (Philox draws agree), then one
// forward and backward: every parameter gradient agrees.
TEST_P(CudaBackendModel, TinyDenseLmGradientsMatchTheCpu) {
  const nn::TinyLMConfig config{.vocab = 19, .dim = 32, .heads = 4, .layers = 2, .ffn_hidden = 48};
  const nn::TinyDenseLM cpu_model(config, 5, {DType::f64, Device::cpu()});
  const nn::TinyDenseLM gpu_model(config, 5, {GetParam(), gpu_device()});
  const Tolerance loss_tol = tolerance({1e-5, 1e-5}), grad_tol = tolerance({1e-4, 1e-5});
  std::vector<int64_t> tokens, targets;
  for (int64_t i = 0; i < 2 * 13; ++i) {
    tokens.push_back((i * 5 + 2) % config.vocab);
    targets.push_back((i * 3 + 1) % config.vocab);
  }
  const Tensor ids = ops::from_vector(tokens, {2, 13});
  const Tensor labels = ops::from_vector(targets, {2 * 13});
  poison_device_memory();
  const Tensor cpu_loss =
      ops::cross_entropy(ops::reshape(cpu_model.forward(ids), {-1, config.vocab}), labels);
  const Tensor gpu_loss = ops::cross_entropy(
      ops::reshape(gpu_model.forward(ops::to_device(ids, gpu_device())), {-1, config.vocab}),
      ops::to_device(labels, gpu_device()));
  EXPECT_TRUE(cuda::test::all_near(host_values(gpu_loss), host_values(cpu_loss), loss_tol.rtol,
                                   loss_tol.atol));
  backward(cpu_loss);
  backward(gpu_loss);
  const auto cpu_params = cpu_model.named_parameters();
  const auto gpu_params = gpu_model.named_parameters();
  ASSERT_EQ(cpu_params.size(), gpu_params.size());
  for (size_t i = 0; i < cpu_params.size(); ++i) {
    ASSERT_EQ(gpu_params[i].name, cpu_params[i].name);
    EXPECT_TRUE(cuda::test::all_near(host_values(gpu_params[i].tensor.grad()),
                                     host_values(cpu_params[i].tensor.grad()), grad_tol.rtol,
                                     grad_tol.atol))
        << cpu_params[i].name;
  }
}

// Central differences against backward(), all on cuda:0 in f64: embedding, XPOS, LayerNorm,
// softmax attention weights, a GELU MLP and cross-entropy with an ignored row.
TEST(CudaBackendModelF64, SmallModelPassesAGradcheckOnTheGpu) {
  constexpr int64_t vocab = 7, dim = 6, hidden = 5, seq = 5;
  std::vector<Tensor> params;
  const std::vector<Shape> shapes = {{vocab, dim}, {dim}, {dim}, {dim, hidden}, {hidden, dim},
                                     {dim, vocab}};
  for (size_t i = 0; i < shapes.size(); ++i)
    params.push_back(random_operand(shapes[i], 200 + i, -0.8, 0.8, DType::f64).gpu);
  const Tensor ids = ops::from_vector<int64_t>({3, 0, 6, 3, 2}, {seq}, gpu_device());
  const Tensor labels = ops::from_vector<int64_t>({0, 6, -100, 2, 5}, {seq}, gpu_device());
  const auto model = [&](const std::vector<Tensor>& p) {
    const Tensor x = ops::embedding(p[0], ids);                                   // [N, E]
    const Tensor r = ops::reshape(ops::xpos(ops::reshape(x, {1, seq, 1, dim}), 3, {1, 2, 8}),
                                  {seq, dim});
    const Tensor h = ops::layer_norm(r, p[1], p[2]);
    const Tensor mixed = ops::matmul(ops::softmax(ops::matmul(h, ops::transpose(h, 0, 1))), h);
    const Tensor y = ops::add(mixed, ops::matmul(ops::gelu(ops::matmul(h, p[3])), p[4]));
    return ops::cross_entropy(ops::matmul(y, p[5]), labels);
  };
  ASSERT_EQ(model(params).device(), gpu_device());
  EXPECT_TRUE(testing::gradcheck(model, params));
}

}  // namespace
}  // namespace longnet::test
