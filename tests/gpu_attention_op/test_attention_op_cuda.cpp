// The attention op (nn::attention) on CUDA tensors against the same op on the CPU in f64: output
// and the gradients autograd gives q, k and v, at bf16 tolerances (the CUDA kernels take bf16).
#include <gtest/gtest.h>

#include <cstdlib>

#include "gpu_backend/backend_compare.h"
#include "common/error.h"
#include "nn/attention.h"
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace longnet::test {
namespace {

// bf16 inputs and outputs: about 3 significant digits.
constexpr Tolerance kBf16{2e-2, 2e-2};

// q, k, v of [batch 2, N 45 (odd, not a tile multiple), 2 heads, Dh 64].
std::vector<Operand> qkv() {
  const Shape shape{2, 45, 2, 64};
  return {random_operand(shape, 11), random_operand(shape, 12), random_operand(shape, 13)};
}

void expect_op_agrees(const attention::Spec& spec, const nn::AttentionOptions& options = {}) {
  expect_backends_agree(
      [&](const std::vector<Tensor>& t) { return nn::attention(t[0], t[1], t[2], spec, options); },
      qkv(), kBf16);
}

attention::Spec spec_of(attention::Kind kind) {
  attention::Spec spec;
  spec.kind = kind;
  return spec;
}

attention::Spec dense() { return spec_of(attention::Kind::dense); }

// Forward through cuDNN; the backward through cuDNN only when any order is allowed.
TEST(AttentionOpCuda, DenseMatchesTheCpu) { expect_op_agrees(dense()); }
TEST(AttentionOpCuda, DenseInAnyOrderMatchesTheCpu) {
  expect_op_agrees(dense(), {.deterministic = false});
}

// The escape hatch for benchmarks: our own dense kernel instead of cuDNN.
TEST(AttentionOpCuda, DenseWithoutCudnnMatchesTheCpu) {
  setenv("LONGNET_ATTENTION_NO_CUDNN", "1", 1);
  expect_op_agrees(dense());
  unsetenv("LONGNET_ATTENTION_NO_CUDNN");
}

TEST(AttentionOpCuda, DenseNonCausalMatchesTheCpu) {
  attention::Spec spec = dense();
  spec.causal = false;
  expect_op_agrees(spec);
}

TEST(AttentionOpCuda, DilatedWithXposDecayMatchesTheCpu) {
  attention::Spec spec = spec_of(attention::Kind::dilated);
  spec.patterns = {{8, 1}, {16, 2}, {32, 4}};
  spec.xpos_scale_base = 64;
  expect_op_agrees(spec);
}

TEST(AttentionOpCuda, SparseMatchesTheCpu) {
  attention::Spec spec = spec_of(attention::Kind::sparse);
  spec.sparse_block = 16;
  spec.sparse_summary = 4;
  expect_op_agrees(spec);
}

// A bf16 input gives a bf16 output and bf16 gradients.
TEST(AttentionOpCuda, Bf16InputsKeepTheirDtype) {
  const std::vector<Operand> ops_in = qkv();
  std::vector<Tensor> bf16;
  for (const Operand& o : ops_in) bf16.push_back(ops::cast(o.gpu.detach(), DType::bf16));
  const Tensor out = nn::attention(bf16[0], bf16[1], bf16[2], dense());
  EXPECT_EQ(out.dtype(), DType::bf16);
  EXPECT_EQ(out.device(), gpu_device());
}

attention::Spec dilated_xpos() {
  attention::Spec spec = spec_of(attention::Kind::dilated);
  spec.patterns = {{8, 1}, {16, 2}, {32, 4}};
  spec.xpos_scale_base = 64;
  return spec;
}

// Blockwise causal attention: N 45 in blocks of 16 is three windows, the last one short; the
// key gradients of overlapping windows add up.
TEST(AttentionOpCuda, BlockwiseDenseMatchesTheCpu) { expect_op_agrees(dense(), {.block = 16}); }
TEST(AttentionOpCuda, BlockwiseDenseInAnyOrderMatchesTheCpu) {
  expect_op_agrees(dense(), {.block = 16, .deterministic = false});
}
TEST(AttentionOpCuda, BlockwiseDilatedWithXposDecayMatchesTheCpu) {
  expect_op_agrees(dilated_xpos(), {.block = 16});
}
// A block at least N long is plain attention.
TEST(AttentionOpCuda, BlockAsLongAsTheSequenceIsPlainAttention) {
  expect_op_agrees(dilated_xpos(), {.block = 45});
}

// Gradients of q, k, v after backward(sum(attention * w)) on the GPU, as host values.
std::vector<std::vector<double>> gpu_gradients(const attention::Spec& spec,
                                               const nn::AttentionOptions& options) {
  const std::vector<Operand> in = qkv();
  const Tensor out = nn::attention(in[0].gpu, in[1].gpu, in[2].gpu, spec, options);
  const Tensor w = ops::normal(out.shape(), 0, 1, 5, 4, DType::f32, gpu_device());
  backward(ops::sum(ops::mul(out, w)));
  return {host_values(in[0].gpu.grad()), host_values(in[1].gpu.grad()),
          host_values(in[2].gpu.grad())};
}

// Deterministic (the default): the same inputs give the same gradient bits on every run, also
// for dense attention (which then stays off cuDNN's backward) and blockwise attention.
TEST(AttentionOpCuda, DeterministicGradientsRepeatBitForBit) {
  for (const attention::Spec& spec : {dense(), dilated_xpos()}) {
    for (int64_t block : {0, 16}) {
      const auto first = gpu_gradients(spec, {.block = block});
      for (int run = 0; run < 3; ++run) {
        EXPECT_EQ(gpu_gradients(spec, {.block = block}), first)
            << "kind " << static_cast<int>(spec.kind) << " block " << block;
      }
    }
  }
}

}  // namespace
}  // namespace longnet::test
