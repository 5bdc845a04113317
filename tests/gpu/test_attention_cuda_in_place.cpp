// O may be written over Q (attention_cuda.h): the long-sequence layer keeps one buffer less that
// way. The result must be the very bits of a call with its own O where both compute the same way.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "bf16_host.h"
#include "gpu_attention_run.h"

namespace longnet::attention {
namespace {

// Bits when both calls compute the same way; else within `tolerance` relative (to 1 + |x|).
bool near(float got, float want, float tolerance) {
  return std::abs(got - want) <= tolerance * (1 + std::abs(want));  // false for NaN
}

void expect_o_over_q_equals_own_o(const Spec& spec, float tolerance = 0) {
  const int64_t n = 3000 + 37;
  const Problem p{.batch = 2, .heads = 4, .head_dim = 64, .seq_len = n, .q_len = n, .kv_len = n};
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const testing::Inputs in = testing::random_inputs(p, seed);
  const testing::GpuResult own_o = testing::run_gpu(spec, p, in, /*backward=*/false);

  testing::DeviceBuffer qkv(in.qkv.size() * sizeof(uint16_t));
  qkv.upload(in.qkv.data(), qkv.bytes());
  testing::DeviceBuffer lse(size_t(p.batch * p.heads * n) * sizeof(float));
  testing::DeviceBuffer workspace(attention_forward_workspace_bytes(spec, p));
  lse.poison();
  auto* base = qkv.as<bf16_bits>();
  attention_forward_cuda(spec, p, in.q.view(base), in.k.view(base), in.v.view(base),
                         in.q.view(base), lse.as<float>(),
                         {workspace.as<void>(), workspace.bytes(), nullptr});
  const auto after = qkv.download<uint16_t>(in.qkv.size());
  const auto lse_over_q = lse.download<float>(size_t(p.batch * p.heads * n));

  // run_gpu returns O as [batch, q_len, heads, dim], which is also q's layout here.
  ASSERT_EQ(own_o.o.size(), size_t(p.batch * n * p.heads * p.head_dim));
  size_t differ = 0;
  for (size_t i = 0; i < own_o.o.size(); ++i)
    differ += !near(testing::from_bf16(after[in.q.offset + i]), own_o.o[i], tolerance);
  EXPECT_EQ(differ, 0u);
  if (tolerance == 0) {
    EXPECT_EQ(std::memcmp(lse_over_q.data(), own_o.lse.data(), own_o.lse.size() * sizeof(float)),
              0);
  } else {
    size_t lse_differ = 0;
    for (size_t i = 0; i < own_o.lse.size(); ++i)
      lse_differ += !near(lse_over_q[i], own_o.lse[i], tolerance);
    EXPECT_EQ(lse_differ, 0u);
  }
}

Spec dilated_xpos(std::vector<Pattern> patterns) {
  Spec spec;
  spec.kind = Kind::dilated;
  spec.patterns = std::move(patterns);
  spec.xpos_scale_base = 512;
  return spec;
}

TEST(CudaAttentionInPlace, OWrittenOverQEqualsOWrittenToItsOwnBuffer) {
  expect_o_over_q_equals_own_o(dilated_xpos({{64, 1}, {256, 2}, {1024, 4}}));
}

// One pass covering every row: with its own O, cuDNN writes the final O directly; over Q the
// frame's fp32 O stays. Same values when cuDNN runs the same engine for both output layouts;
// its heuristics may pick another for the strided O, so allow bf16 rounding (2^-7).
TEST(CudaAttentionInPlace, OnePassOWrittenOverQEqualsOWrittenToItsOwnBuffer) {
  expect_o_over_q_equals_own_o(dilated_xpos({{256, 1}}), 1.0f / 128);
}

}  // namespace
}  // namespace longnet::attention
