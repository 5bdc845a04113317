// Each op of the CUDA backend against the CPU backend, forward and backward, at the Tensor level:
// odd sizes, broadcast operands and non-contiguous views; every op in f32 (tolerance ~1e-5) and in
// f64 (computed in fp64 on the GPU: tolerance ~1e-12).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

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

// The op tests run once per GPU dtype: f32 at the tolerances given, f64 at kF64Tolerance.
class CudaBackendOps : public ::testing::TestWithParam<DType> {
 protected:
  Operand operand(const Shape& shape, uint64_t seed, double low = -1, double high = 1) const {
    return random_operand(shape, seed, low, high, GetParam());
  }
  Tolerance tolerance(Tolerance f32 = {}) const {
    return GetParam() == DType::f64 ? kF64Tolerance : f32;
  }
};

INSTANTIATE_TEST_SUITE_P(Dtypes, CudaBackendOps, ::testing::Values(DType::f32, DType::f64),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

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

TEST_P(CudaBackendOps, BinaryOpsBroadcastOverViews) {
  const Operand a = operand({3, 1, 7}, 2), b = operand({7, 5}, 3);
  const Operand c = operand({5, 1}, 4, 0.5, 2);
  expect_backends_agree(
      [](const Inputs& in) {
        const Tensor bt = ops::transpose(in[1], 0, 1);  // [5, 7] non-contiguous
        const Tensor s = ops::sub(ops::add(in[0], bt), ops::mul(bt, in[0]));
        return ops::div(s, in[2]);
      },
      {a, b, c}, tolerance());
}

TEST_P(CudaBackendOps, UnaryOpsAndTheirGradients) {
  const Operand x = operand({6, 13}, 5, 0.2, 2.0);
  expect_backends_agree(
      [](const Inputs& in) {
        const Tensor v = ops::slice(in[0], 1, 1, 12);  // a strided view
        return ops::add(ops::add(ops::add(ops::exp(v), ops::log(v)), ops::tanh(v)),
                        ops::add(ops::add(ops::gelu(ops::neg(v)), ops::sqrt(v)),
                                 ops::mul(ops::add(ops::rsqrt(v), 0.5), 3.0)));
      },
      {x}, tolerance());
  // clamp_min forward (the cross-entropy mean divides by it) on a detached operand
  const Operand y = operand({4, 9}, 20);
  expect_backends_agree(
      [](const Inputs& in) {
        return ops::mul(ops::clamp_min(ops::sum(in[0], 1, true).detach(), 0.1), in[0]);
      },
      {y}, tolerance());
}

TEST_P(CudaBackendOps, PowGeluTanhAndClampMinWithTheirGradients) {
  const Operand x = operand({7, 13}, 21, 0.2, 2.0);
  expect_backends_agree(
      [](const Inputs& in) {
        const Tensor v = ops::transpose(ops::slice(in[0], 1, 2, 11), 0, 1);  // strided [9, 7]
        return ops::add(ops::add(ops::pow(v, 2.5), ops::pow(v, -1.0)),
                        ops::add(ops::gelu_tanh(ops::sub(v, 1.0)), ops::clamp_min(v, 1.1)));
      },
      {x}, tolerance());
}

TEST_P(CudaBackendOps, MaxAlongEachDimensionAndItsGradient) {
  const Operand x = operand({5, 7, 9}, 22);
  expect_backends_agree(
      [](const Inputs& in) {
        const Tensor t = ops::transpose(in[0], 0, 2);  // [9, 7, 5], not contiguous
        return ops::add(ops::add(ops::max(t, 0, true), ops::max(t, 1, true)), ops::max(t, 2, true));
      },
      {x}, tolerance());
  const Operand y = operand({3, 40}, 23);
  expect_backends_agree([](const Inputs& in) { return ops::max(in[0], -1); }, {y}, tolerance());
}

TEST_P(CudaBackendOps, SumsMeansAndLogsumexp) {
  const Operand x = operand({3, 5, 7}, 6);
  expect_backends_agree(
      [](const Inputs& in) {
        const Tensor t = ops::transpose(in[0], 0, 2);  // [7, 5, 3]
        return ops::add(ops::add(ops::sum(t, 1, true), ops::mean(t, 0, true)),
                        ops::add(ops::logsumexp(t, 2, true), ops::logsumexp(t, 1, true)));
      },
      {x}, tolerance());
  const Operand y = operand({11, 9}, 7);
  expect_backends_agree([](const Inputs& in) { return ops::sum(in[0]); }, {y}, tolerance());
}

TEST_P(CudaBackendOps, MatmulBatchedBroadcastAndTransposed) {
  const Operand a = operand({2, 1, 7, 5}, 8), b = operand({3, 9, 5}, 9);
  expect_backends_agree(
      [](const Inputs& in) { return ops::matmul(in[0], ops::transpose(in[1], -1, -2)); },
      {a, b}, tolerance());
  const Operand x = operand({4, 3, 17}, 10), w = operand({17, 6}, 11);
  expect_backends_agree([](const Inputs& in) { return ops::matmul(in[0], in[1]); }, {x, w},
                        tolerance());
}

TEST_P(CudaBackendOps, LayerNormForwardAndBackward) {
  const Operand x = operand({3, 5, 37}, 12, -2, 3);
  const Operand w = operand({37}, 13, 0.5, 1.5), b = operand({37}, 14);
  expect_backends_agree(
      [](const Inputs& in) { return ops::layer_norm(in[0], in[1], in[2]); }, {x, w, b},
      tolerance({1e-4, 1e-4}));
}

TEST_P(CudaBackendOps, SoftmaxAndLogSoftmax) {
  const Operand x = operand({4, 3, 29}, 15, -4, 4);
  expect_backends_agree(
      [](const Inputs& in) {
        return ops::add(ops::softmax(in[0]), ops::mul(ops::log_softmax(in[0]), 0.25));
      },
      {x}, tolerance());
}

TEST_P(CudaBackendOps, CrossEntropyWithIgnoredRows) {
  const Operand logits = operand({9, 31}, 16, -3, 3);
  const Tensor targets =
      ops::from_vector<int64_t>({0, 30, -100, 7, 7, 12, -100, 29, 1}, {9});
  const Tensor gpu_targets = ops::to_device(targets, gpu_device());
  ASSERT_NO_FATAL_FAILURE(expect_backends_agree(
      [&](const Inputs& in) {
        return ops::cross_entropy(in[0], in[0].device().is_cpu() ? targets : gpu_targets);
      },
      {logits}, tolerance()));
  const Tensor bad = ops::to_device(ops::from_vector<int64_t>({31}, {1}), gpu_device());
  EXPECT_THROW(ops::cross_entropy(ops::zeros({1, 31}, GetParam(), gpu_device()), bad),
               RuntimeError);
}

TEST_P(CudaBackendOps, EmbeddingLookupAndScatteredGradient) {
  const Operand weight = operand({13, 19}, 17);
  const Tensor ids = ops::from_vector<int64_t>({3, 12, 3, 0, 5, 3, 12}, {7});
  const Tensor gpu_ids = ops::to_device(ids, gpu_device());
  expect_backends_agree(
      [&](const Inputs& in) {
        return ops::embedding(in[0], in[0].device().is_cpu() ? ids : gpu_ids);
      },
      {weight}, tolerance());
  const Tensor bad = ops::to_device(ops::from_vector<int64_t>({13}, {1}), gpu_device());
  EXPECT_THROW(ops::embedding(weight.gpu, bad), RuntimeError);
}

TEST_P(CudaBackendOps, XposRotationWithDecayScale) {
  const Operand x = operand({2, 7, 3, 10}, 18);
  expect_backends_agree(
      [](const Inputs& in) {
        return ops::add(ops::xpos(in[0], 5, {1, 4, 64}), ops::xpos_rotate(in[0], 1000003));
      },
      {x}, tolerance({1e-4, 1e-5}));
}

TEST_P(CudaBackendOps, RandomFillsDrawTheCpuNumbers) {
  const DType t = GetParam();
  const Tensor u = ops::uniform({1001}, -2, 3, 42, 9, t, gpu_device());
  EXPECT_EQ(host_values(u), host_values(ops::uniform({1001}, -2, 3, 42, 9, t)));
  // Box-Muller in fp64 on both sides: equal but for a rare last-ulp difference.
  const Tensor n = ops::normal({1001}, 0.5, 2, 43, 9, t, gpu_device());
  EXPECT_TRUE(cuda::test::all_near(host_values(n),
                                   host_values(ops::normal({1001}, 0.5, 2, 43, 9, t)), 1e-6, 1e-6));
}

TEST_P(CudaBackendOps, DropoutKeepsTheCpuMask) {
  const Operand x = operand({7, 45}, 19);
  expect_backends_agree([](const Inputs& in) { return ops::dropout(in[0], 0.3, 5, 77); }, {x},
                        tolerance());
}

// f64 is computed in fp64, not through f32: sums and products of values that f32 cannot hold come
// out exactly as the CPU computes them.
TEST(CudaBackend, F64ArithmeticKeepsEveryBit) {
  const double tiny = std::ldexp(1.0, -40);
  const Tensor cpu = ops::from_vector<double>({1 + tiny, 3 - tiny, 1.0 / 3, -7 + 2 * tiny}, {2, 2});
  const Tensor gpu = ops::to_device(cpu, gpu_device());
  const auto compute = [](const Tensor& x) {
    return ops::add(ops::matmul(x, x), ops::mul(ops::sum(x, 1, true), ops::exp(x)));
  };
  EXPECT_EQ(host_values(ops::add(gpu, tiny)), host_values(ops::add(cpu, tiny)));
  EXPECT_TRUE(cuda::test::all_near(host_values(compute(gpu)), host_values(compute(cpu)), 1e-14,
                                   1e-14));
  EXPECT_NE(host_values(ops::cast(ops::cast(gpu, DType::f32), DType::f64)), host_values(cpu));
}

TEST(CudaBackend, F64CastsRoundLikeTheCpu) {
  const Operand x = random_operand({5, 33}, 24, -300, 300, DType::f64);
  for (const DType to : {DType::f32, DType::bf16}) {
    const Tensor cpu = ops::cast(x.cpu.detach(), to);
    const Tensor gpu = ops::cast(ops::transpose(x.gpu.detach(), 0, 1), to);  // strided source
    EXPECT_EQ(host_values(gpu), host_values(ops::transpose(cpu, 0, 1))) << dtype_name(to);
    EXPECT_EQ(host_values(ops::cast(gpu, DType::f64)), host_values(ops::transpose(cpu, 0, 1)))
        << dtype_name(to);
  }
}

}  // namespace
}  // namespace longnet::test
