// Each op of the CUDA backend against the CPU backend, forward and backward, at the Tensor level:
// odd sizes, broadcast operands and non-contiguous views.
#include <gtest/gtest.h>

#include "gpu_backend/backend_compare.h"
#include "gpu_ops/gpu_test_support.h"
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/cross_entropy.h"
#include "ops/cuda/device_context.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/embedding.h"
#include "ops/layer_norm.h"
#include "ops/matmul.h"
#include "ops/reduce.h"
#include "ops/softmax.h"
#include "ops/view.h"
#include "ops/xpos.h"

namespace longnet::test {
namespace {

using Inputs = std::vector<Tensor>;

TEST(CudaBackend, CudaTensorsAllocateThroughTheCachingAllocator) {
  cuda::BlockCache& cache = cuda::DeviceContext::get(0).memory();
  const int64_t before = cache.stats().requests;
  const Tensor t = Tensor::empty({3, 5}, DType::f32, gpu_device());
  EXPECT_EQ(cache.stats().requests, before + 1);
  EXPECT_GE(cache.stats().in_use, int64_t(15 * 4));
}

TEST(CudaBackend, HostTransfersRoundTripEveryDtype) {
  const Tensor f = ops::from_vector<float>({1.5f, -2.25f, 3e-8f}, {3});
  EXPECT_EQ(ops::to_device(ops::to_device(f, gpu_device()), Device::cpu()).to_vector<float>(),
            f.to_vector<float>());
  const Tensor ids = ops::from_vector<int64_t>({7, -1, int64_t(1) << 40}, {3});
  EXPECT_EQ(ops::to_device(ops::to_device(ids, gpu_device()), Device::cpu()).to_vector<int64_t>(),
            ids.to_vector<int64_t>());
}

TEST(CudaBackend, Bf16CastsRoundLikeTheCpu) {
  const Operand x = random_operand({5, 33}, 1, -300, 300);
  const Tensor cpu = ops::cast(ops::cast(x.cpu.detach(), DType::f32), DType::bf16);
  const Tensor gpu = ops::cast(x.gpu.detach(), DType::bf16);
  EXPECT_EQ(host_values(gpu), host_values(cpu));
  // and back, through a transposed (strided) view
  const Tensor back = ops::cast(ops::contiguous(ops::transpose(gpu, 0, 1)), DType::f32);
  EXPECT_EQ(host_values(back), host_values(ops::transpose(cpu, 0, 1)));
}

TEST(CudaBackend, FillsAndZeros) {
  EXPECT_EQ(host_values(ops::full({3, 7}, 2.5, DType::f32, gpu_device())),
            std::vector<double>(21, 2.5));
  EXPECT_EQ(host_values(ops::zeros({9}, DType::i64, gpu_device())), std::vector<double>(9, 0));
  EXPECT_EQ(host_values(ops::full({4}, -1, DType::bf16, gpu_device())),
            std::vector<double>(4, -1));
}

TEST(CudaBackend, BinaryOpsBroadcastOverViews) {
  const Operand a = random_operand({3, 1, 7}, 2), b = random_operand({7, 5}, 3);
  const Operand c = random_operand({5, 1}, 4, 0.5, 2);
  expect_backends_agree(
      [](const Inputs& in) {
        const Tensor bt = ops::transpose(in[1], 0, 1);  // [5, 7] non-contiguous
        const Tensor s = ops::sub(ops::add(in[0], bt), ops::mul(bt, in[0]));
        return ops::div(s, in[2]);
      },
      {a, b, c});
}

TEST(CudaBackend, UnaryOpsAndTheirGradients) {
  const Operand x = random_operand({6, 13}, 5, 0.2, 2.0);
  expect_backends_agree(
      [](const Inputs& in) {
        const Tensor v = ops::slice(in[0], 1, 1, 12);  // a strided view
        return ops::add(ops::add(ops::add(ops::exp(v), ops::log(v)), ops::tanh(v)),
                        ops::add(ops::add(ops::gelu(ops::neg(v)), ops::sqrt(v)),
                                 ops::mul(ops::add(ops::rsqrt(v), 0.5), 3.0)));
      },
      {x});
  // clamp_min forward (the cross-entropy mean divides by it) on a detached operand
  const Operand y = random_operand({4, 9}, 20);
  expect_backends_agree(
      [](const Inputs& in) {
        return ops::mul(ops::clamp_min(ops::sum(in[0], 1, true).detach(), 0.1), in[0]);
      },
      {x});
}

TEST(CudaBackend, PowGeluTanhAndClampMinWithTheirGradients) {
  const Operand x = random_operand({7, 13}, 21, 0.2, 2.0);
  expect_backends_agree(
      [](const Inputs& in) {
        const Tensor v = ops::transpose(ops::slice(in[0], 1, 2, 11), 0, 1);  // strided [9, 7]
        return ops::add(ops::add(ops::pow(v, 2.5), ops::pow(v, -1.0)),
                        ops::add(ops::gelu_tanh(ops::sub(v, 1.0)), ops::clamp_min(v, 1.1)));
      },
      {x});
}

TEST(CudaBackend, MaxAlongEachDimensionAndItsGradient) {
  const Operand x = random_operand({5, 7, 9}, 22);
  expect_backends_agree(
      [](const Inputs& in) {
        const Tensor t = ops::transpose(in[0], 0, 2);  // [9, 7, 5], not contiguous
        return ops::add(ops::add(ops::max(t, 0, true), ops::max(t, 1, true)), ops::max(t, 2, true));
      },
      {x});
  const Operand y = random_operand({3, 40}, 23);
  expect_backends_agree([](const Inputs& in) { return ops::max(in[0], -1); }, {y});
}

TEST(CudaBackend, SumsMeansAndLogsumexp) {
  const Operand x = random_operand({3, 5, 7}, 6);
  expect_backends_agree(
      [](const Inputs& in) {
        const Tensor t = ops::transpose(in[0], 0, 2);  // [7, 5, 3]
        return ops::add(ops::add(ops::sum(t, 1, true), ops::mean(t, 0, true)),
                        ops::add(ops::logsumexp(t, 2, true), ops::logsumexp(t, 1, true)));
      },
      {x});
  const Operand y = random_operand({11, 9}, 7);
  expect_backends_agree([](const Inputs& in) { return ops::sum(in[0]); }, {y});
}

TEST(CudaBackend, MatmulBatchedBroadcastAndTransposed) {
  const Operand a = random_operand({2, 1, 7, 5}, 8), b = random_operand({3, 9, 5}, 9);
  expect_backends_agree(
      [](const Inputs& in) { return ops::matmul(in[0], ops::transpose(in[1], -1, -2)); },
      {a, b}, {1e-5, 1e-5});
  const Operand x = random_operand({4, 3, 17}, 10), w = random_operand({17, 6}, 11);
  expect_backends_agree([](const Inputs& in) { return ops::matmul(in[0], in[1]); }, {x, w});
}

TEST(CudaBackend, LayerNormForwardAndBackward) {
  const Operand x = random_operand({3, 5, 37}, 12, -2, 3);
  const Operand w = random_operand({37}, 13, 0.5, 1.5), b = random_operand({37}, 14);
  expect_backends_agree(
      [](const Inputs& in) { return ops::layer_norm(in[0], in[1], in[2]); }, {x, w, b},
      {1e-4, 1e-4});
}

TEST(CudaBackend, SoftmaxAndLogSoftmax) {
  const Operand x = random_operand({4, 3, 29}, 15, -4, 4);
  expect_backends_agree(
      [](const Inputs& in) {
        return ops::add(ops::softmax(in[0]), ops::mul(ops::log_softmax(in[0]), 0.25));
      },
      {x});
}

TEST(CudaBackend, CrossEntropyWithIgnoredRows) {
  const Operand logits = random_operand({9, 31}, 16, -3, 3);
  const Tensor targets =
      ops::from_vector<int64_t>({0, 30, -100, 7, 7, 12, -100, 29, 1}, {9});
  const Tensor gpu_targets = ops::to_device(targets, gpu_device());
  ASSERT_NO_FATAL_FAILURE(expect_backends_agree(
      [&](const Inputs& in) {
        return ops::cross_entropy(in[0], in[0].device().is_cpu() ? targets : gpu_targets);
      },
      {logits}));
  const Tensor bad = ops::to_device(ops::from_vector<int64_t>({31}, {1}), gpu_device());
  EXPECT_THROW(ops::cross_entropy(ops::zeros({1, 31}, DType::f32, gpu_device()), bad),
               RuntimeError);
}

TEST(CudaBackend, EmbeddingLookupAndScatteredGradient) {
  const Operand weight = random_operand({13, 19}, 17);
  const Tensor ids = ops::from_vector<int64_t>({3, 12, 3, 0, 5, 3, 12}, {7});
  const Tensor gpu_ids = ops::to_device(ids, gpu_device());
  expect_backends_agree(
      [&](const Inputs& in) {
        return ops::embedding(in[0], in[0].device().is_cpu() ? ids : gpu_ids);
      },
      {weight});
  const Tensor bad = ops::to_device(ops::from_vector<int64_t>({13}, {1}), gpu_device());
  EXPECT_THROW(ops::embedding(weight.gpu, bad), RuntimeError);
}

TEST(CudaBackend, XposRotationWithDecayScale) {
  const Operand x = random_operand({2, 7, 3, 10}, 18);
  expect_backends_agree(
      [](const Inputs& in) {
        return ops::add(ops::xpos(in[0], 5, {1, 4, 64}), ops::xpos_rotate(in[0], 1000003));
      },
      {x}, {1e-4, 1e-5});
}

TEST(CudaBackend, RandomFillsDrawTheCpuNumbers) {
  const Tensor u = ops::uniform({1001}, -2, 3, 42, 9, DType::f32, gpu_device());
  EXPECT_EQ(host_values(u), host_values(ops::uniform({1001}, -2, 3, 42, 9)));
  // Box-Muller in fp64 on both sides: equal but for a rare last-ulp difference.
  const Tensor n = ops::normal({1001}, 0.5, 2, 43, 9, DType::f32, gpu_device());
  EXPECT_TRUE(cuda::test::all_near(host_values(n), host_values(ops::normal({1001}, 0.5, 2, 43, 9)),
                                   1e-6, 1e-6));
}

TEST(CudaBackend, DropoutKeepsTheCpuMask) {
  const Operand x = random_operand({7, 45}, 19);
  expect_backends_agree([](const Inputs& in) { return ops::dropout(in[0], 0.3, 5, 77); }, {x});
}

// The kernels compute f32 and bf16; f64 (what CPU gradchecks use) moves to and from the GPU but
// any computation on it says so instead of falling back to the CPU.
TEST(CudaBackend, F64ComputationSaysItHasNoKernel) {
  const Tensor x = ops::to_device(ops::from_vector<double>({1, 2, 3, 4}, {2, 2}), gpu_device());
  EXPECT_EQ(host_values(x), (std::vector<double>{1, 2, 3, 4}));
  for (const auto& op : std::vector<std::function<void()>>{
           [&] { ops::max(x, 1); }, [&] { ops::pow(x, 2.0); }, [&] { ops::gelu_tanh(x); },
           [&] { ops::add(x, x); }, [&] { ops::sum(x, 0); }}) {
    try {
      op();
      ADD_FAILURE() << "expected RuntimeError";
    } catch (const RuntimeError& e) {
      EXPECT_NE(std::string(e.what()).find("has no CUDA kernel yet"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace longnet::test
