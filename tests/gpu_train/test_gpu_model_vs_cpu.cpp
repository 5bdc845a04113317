// The LongNet model in bf16 on the GPU against the same model in f32 on the CPU (one seed, so
// the same weights up to bf16 rounding): the step-0 loss and the gradients of named parameters
// agree within bf16 tolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "nn/lm.h"
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/cross_entropy.h"
#include "train/batch.h"

namespace longnet {
namespace {

struct Models {
  config::ModelConfig model;
  config::AttentionConfig attention;
  Models() {
    model.vocab_size = 97;
    model.layers = 2;
    model.dim = 128;
    model.heads = 2;
    model.ffn_dim = 256;
    attention.kind = config::AttentionKind::dilated;
    attention.segment_lengths = {64, 128};
    attention.dilation_rates = {1, 2};
  }
};

// Two sequences of 128 tokens (+1 target) from a fixed pseudo-random rule.
train::Batch fixed_batch(int64_t vocab) {
  std::vector<uint32_t> windows(2 * 129);
  for (size_t i = 0; i < windows.size(); ++i) windows[i] = uint32_t((i * 37 + i * i * 11 + 5) % vocab);
  return train::make_batch(windows, 2);
}

Tensor loss_on(const nn::LongNetLM& lm, const train::Batch& batch) {
  const Device d = lm.device();
  return ops::cross_entropy(lm.forward(ops::to_device(batch.inputs, d)),
                            ops::to_device(batch.targets, d));
}

std::vector<double> host_f64(const Tensor& t) {
  const std::vector<float> f32 =
      ops::to_device(ops::cast(t, DType::f32), Device::cpu()).to_vector<float>();
  return {f32.begin(), f32.end()};
}

// |a - b| / |b| over whole tensors: bf16 rounds each element by up to 2^-8, so elementwise
// tolerances would be noisy; the relative error of the whole gradient is what training feels.
double relative_error(const std::vector<double>& a, const std::vector<double>& b) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    norm += b[i] * b[i];
  }
  return std::sqrt(diff / norm);
}

TEST(GpuModel, Bf16StepZeroLossAndGradientsMatchTheCpuInF32) {
  const Models m;
  const nn::LongNetLM cpu(m.model, m.attention, 11);
  const nn::LongNetLM gpu(m.model, m.attention, 11, {DType::bf16, Device::cuda(0)});
  const train::Batch batch = fixed_batch(m.model.vocab_size);
  const Tensor cpu_loss = loss_on(cpu, batch), gpu_loss = loss_on(gpu, batch);
  EXPECT_EQ(gpu_loss.dtype(), DType::f32);  // the loss is fp32 in bf16 training
  const double expected = host_f64(cpu_loss)[0], got = host_f64(gpu_loss)[0];
  std::fprintf(stderr, "step-0 loss: cpu f32 %.6f, gpu bf16 %.6f\n", expected, got);
  EXPECT_NEAR(got, expected, 2e-2 * expected);

  backward(cpu_loss);
  backward(gpu_loss);
  std::map<std::string, Tensor> gpu_grads;
  for (const auto& p : gpu.named_parameters()) gpu_grads[p.name] = p.tensor.grad();
  const std::vector<std::string> named = {
      "embed_tokens.weight", "layers.0.self_attn.q_proj.weight", "layers.0.self_attn.v_proj.bias",
      "layers.1.ffn.fc1.weight", "layers.1.final_layer_norm.weight", "layer_norm.bias",
      "output_projection.weight"};
  int compared = 0;
  for (const auto& p : cpu.named_parameters()) {
    if (std::find(named.begin(), named.end(), p.name) == named.end()) continue;
    ++compared;
    ASSERT_TRUE(gpu_grads.at(p.name).defined()) << p.name;
    EXPECT_EQ(gpu_grads.at(p.name).dtype(), DType::bf16) << p.name;
    const double error = relative_error(host_f64(gpu_grads.at(p.name)), host_f64(p.tensor.grad()));
    std::fprintf(stderr, "%-36s relative gradient error %.2e\n", p.name.c_str(), error);
    EXPECT_LT(error, 3e-2) << p.name;
  }
  EXPECT_EQ(compared, int(named.size()) - (m.model.tie_embeddings ? 1 : 0));
}

}  // namespace
}  // namespace longnet
