// End to end: the gradients of a small language model (embedding, LayerNorm, a 2-layer GELU MLP
// with a residual, output projection, cross-entropy) on CUDA match the CPU backend's.
#include <gtest/gtest.h>

#include "gpu_backend/backend_compare.h"
#include "ops/create.h"
#include "ops/cross_entropy.h"
#include "ops/elementwise.h"
#include "ops/embedding.h"
#include "ops/layer_norm.h"
#include "ops/matmul.h"
#include "ops/backward.h"
#include "ops/view.h"
#include "gpu_ops/gpu_test_support.h"
#include "nn/tiny_dense_lm.h"

namespace longnet::test {
namespace {

TEST(CudaBackendModel, SmallLmGradientsMatchTheCpu) {
  constexpr int64_t vocab = 23, dim = 24, hidden = 40, batch = 3, seq = 11;
  const std::vector<Operand> params = {
      random_operand({vocab, dim}, 101),                 // embedding
      random_operand({dim}, 102, 0.8, 1.2),              // LayerNorm weight
      random_operand({dim}, 103, -0.1, 0.1),             // LayerNorm bias
      random_operand({dim, hidden}, 104, -0.3, 0.3),     // fc1
      random_operand({hidden}, 105, -0.1, 0.1),
      random_operand({hidden, dim}, 106, -0.2, 0.2),     // fc2
      random_operand({dim}, 107, -0.1, 0.1),
      random_operand({dim, vocab}, 108, -0.3, 0.3),      // output projection
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
      params, {1e-4, 1e-5});
}

// The copy-task model, initialised on each device from one seed (Philox draws agree), then one
// forward and backward: every parameter gradient agrees.
TEST(CudaBackendModel, TinyDenseLmGradientsMatchTheCpu) {
  const nn::TinyLMConfig config{.vocab = 19, .dim = 32, .heads = 4, .layers = 2, .ffn_hidden = 48};
  const nn::TinyDenseLM cpu_model(config, 5, {DType::f64, Device::cpu()});
  const nn::TinyDenseLM gpu_model(config, 5, {DType::f32, gpu_device()});
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
  EXPECT_TRUE(cuda::test::all_near(host_values(gpu_loss), host_values(cpu_loss), 1e-5, 1e-5));
  backward(cpu_loss);
  backward(gpu_loss);
  const auto cpu_params = cpu_model.named_parameters();
  const auto gpu_params = gpu_model.named_parameters();
  ASSERT_EQ(cpu_params.size(), gpu_params.size());
  for (size_t i = 0; i < cpu_params.size(); ++i) {
    ASSERT_EQ(gpu_params[i].name, cpu_params[i].name);
    EXPECT_TRUE(cuda::test::all_near(host_values(gpu_params[i].tensor.grad()),
                                     host_values(cpu_params[i].tensor.grad()), 1e-4, 1e-5))
        << cpu_params[i].name;
  }
}

}  // namespace
}  // namespace longnet::test
