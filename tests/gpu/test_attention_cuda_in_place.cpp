// O may be written over Q (attention_cuda.h): the long-sequence layer keeps one buffer less that
// way. The result must be the very bits of a call with its own O.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "bf16_host.h"
#include "gpu_attention_run.h"

namespace longnet::attention {
namespace {

void expect_o_over_q_equals_own_o(const Spec& spec) {
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
    differ += testing::from_bf16(after[in.q.offset + i]) != own_o.o[i];
  EXPECT_EQ(differ, 0u);
  EXPECT_EQ(std::memcmp(lse_over_q.data(), own_o.lse.data(), own_o.lse.size() * sizeof(float)),
            0);
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
// frame's fp32 O stays (equal values; a cuDNN -0 would read +0 there, and compares equal).
TEST(CudaAttentionInPlace, OnePassOWrittenOverQEqualsOWrittenToItsOwnBuffer) {
  expect_o_over_q_equals_own_o(dilated_xpos({{256, 1}}));
}

}  // namespace
}  // namespace longnet::attention
