// A build without CUDA still links the CUDA attention entry points, and they say why they fail.
#include <gtest/gtest.h>

#include "attention/cuda/attention_cuda.h"
#include "common/error.h"

namespace longnet::attention {
namespace {

TEST(CudaAttentionStub, EveryEntryPointThrowsBuiltWithoutCuda) {
  const Spec spec;
  const Problem p{.seq_len = 8, .q_len = 8, .kv_len = 8};
  const Bnhd<const bf16_bits> in{nullptr, 0, 0, 0};
  const Bnhd<bf16_bits> out{nullptr, 0, 0, 0};
  try {
    attention_forward_cuda(spec, p, in, in, in, out, nullptr, {});
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("built without CUDA"), std::string::npos) << e.what();
  }
  EXPECT_THROW(attention_backward_cuda(spec, p, in, in, in, in, in, nullptr, out, out, out, false, {}),
               RuntimeError);
  EXPECT_THROW(attention_forward_workspace_bytes(spec, p), RuntimeError);
  EXPECT_THROW(attention_backward_workspace_bytes(spec, p), RuntimeError);
}

}  // namespace
}  // namespace longnet::attention
