// GpuAdamW (fp32 masters, moments and gradient accumulators on the GPU) against the CPU's
// optim::AdamW + clip_grad_norm on the same weights and gradients: the same update, the same
// clipping, and bf16 parameters that are exactly their masters rounded.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/linear.h"
#include "ops/create.h"
#include "ops/elementwise.h"
#include "tensor/bf16.h"
#include "train/training_optimizer.h"

namespace longnet {
namespace {

const optim::AdamWOptions kOptions{.beta1 = 0.9f, .beta2 = 0.98f, .eps = 1e-8f,
                                   .weight_decay = 0.1f};

// Gradient `k` of parameter `i`: fixed values of a mixed sign and size.
Tensor gradient(const Tensor& param, int i, int k, Device device) {
  std::vector<float> g(size_t(param.numel()));
  for (size_t j = 0; j < g.size(); ++j)
    g[j] = float(std::sin(double(j * 7 + i * 13 + k * 3)) * (1 + k));
  return ops::cast(ops::from_vector(g, param.shape(), device), param.dtype());
}

std::vector<float> host(const Tensor& t) {
  return ops::to_device(ops::cast(t, DType::f32), Device::cpu()).to_vector<float>();
}

// Three steps of two micro-batches each on the CPU (gradient = g0 + g1) and on the GPU (g0 and g1
// added into the accumulators); the clip bound 1 makes every step clip.
void expect_same_updates(DType gpu_dtype) {
  nn::Linear cpu(24, 40, true), gpu(24, 40, true, 1.0, {gpu_dtype, Device::cuda(0)});
  nn::initialize(gpu, 3);
  auto cpu_params = cpu.named_parameters(), gpu_params = gpu.named_parameters();
  for (size_t i = 0; i < cpu_params.size(); ++i) {  // the same starting weights
    const std::vector<float> values = host(gpu_params[i].tensor);
    std::copy(values.begin(), values.end(), cpu_params[i].tensor.data<float>());
  }
  const auto cpu_opt = train::make_training_optimizer(cpu, kOptions);
  const auto gpu_opt = train::make_training_optimizer(gpu, kOptions);
  for (int step = 1; step <= 3; ++step) {
    for (int k = 0; k < 2; ++k) {
      for (size_t i = 0; i < gpu_params.size(); ++i) {
        gpu_params[i].tensor.set_grad(gradient(gpu_params[i].tensor, int(i), k, Device::cuda(0)));
        // bf16 gradients are what the GPU adds: the CPU gets the same rounded values, summed.
        const Tensor g = ops::cast(gpu_params[i].tensor.grad(), DType::f32);
        const Tensor g_cpu = ops::to_device(g, Device::cpu());
        const Tensor sum = k == 0 ? g_cpu : ops::add(cpu_params[i].tensor.grad(), g_cpu);
        cpu_params[i].tensor.set_grad(sum);
      }
      gpu_opt->add_micro_batch_grads();
      for (const auto& p : gpu_params) EXPECT_FALSE(p.tensor.grad().defined());  // taken over
    }
    const optim::GradClip c = cpu_opt->clip(1.0), g = gpu_opt->clip(1.0);
    EXPECT_NEAR(g.norm, c.norm, 1e-5 * c.norm) << "step " << step;
    EXPECT_LT(c.scale, 1.f);
    EXPECT_NEAR(g.scale, c.scale, 1e-5f * c.scale);
    cpu_opt->step(1e-2f, c.scale);
    gpu_opt->step(1e-2f, g.scale);
  }
  const train::TrainingTensors masters = gpu_opt->checkpoint_tensors();
  const train::TrainingTensors expected = cpu_opt->checkpoint_tensors();
  ASSERT_EQ(masters.weights.size(), expected.weights.size());
  ASSERT_EQ(masters.moments.size(), expected.moments.size());
  for (size_t i = 0; i < masters.weights.size(); ++i) {
    const auto& w = masters.weights[i];
    EXPECT_EQ(w.name, expected.weights[i].name);
    const std::vector<float> param = host(gpu_params[i].tensor);
    for (int64_t j = 0; j < shape_numel(w.shape); ++j) {
      EXPECT_NEAR(w.data[j], expected.weights[i].data[j], 1e-5) << w.name << " " << j;
      // The parameter is its master rounded (to nearest even in bf16; itself in f32).
      const float rounded = gpu_dtype == DType::bf16 ? float(BFloat16(w.data[j]))
                                                      : w.data[j];
      EXPECT_EQ(param[size_t(j)], rounded) << w.name << " " << j;
    }
  }
  for (size_t i = 0; i < masters.moments.size(); ++i) {
    EXPECT_EQ(masters.moments[i].name, expected.moments[i].name);
    for (int64_t j = 0; j < shape_numel(masters.moments[i].shape); ++j)
      EXPECT_NEAR(masters.moments[i].data[j], expected.moments[i].data[j],
                  1e-5 * std::abs(expected.moments[i].data[j]) + 1e-9);
  }
}

TEST(GpuAdamW, Bf16ParametersWithFp32MastersMatchTheCpuOptimizer) {
  expect_same_updates(DType::bf16);
}

TEST(GpuAdamW, F32ParametersAreTheirOwnMastersAndMatchTheCpuOptimizer) {
  expect_same_updates(DType::f32);
}

}  // namespace
}  // namespace longnet
