#include <gtest/gtest.h>

#include "attention/cudnn/cudnn_attention.h"
#include "common/error.h"

namespace longnet::attention {

TEST(CudnnAttentionStub, IsUnavailableAndSaysWhy) {
  EXPECT_FALSE(cudnn_sdpa_available());
  const auto p = CudnnSdpaProblem::contiguous(1, 1, 8, 8, 64, true);
  try {
    cudnn_attention_forward(p, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("built without CUDA"), std::string::npos) << e.what();
  }
  EXPECT_THROW(cudnn_attention_backward(p, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                        nullptr, nullptr, nullptr, nullptr),
               RuntimeError);
}

TEST(CudnnAttentionStub, ContiguousStridesAreBnhd) {
  const auto p = CudnnSdpaProblem::contiguous(2, 3, 5, 7, 64, false);
  EXPECT_EQ(p.q.batch, 5 * 3 * 64);
  EXPECT_EQ(p.q.position, 3 * 64);
  EXPECT_EQ(p.q.head, 64);
  EXPECT_EQ(p.k.batch, 7 * 3 * 64);
  EXPECT_EQ(p.v.batch, 7 * 3 * 64);
  EXPECT_EQ(p.o.batch, 5 * 3 * 64);
}

}  // namespace longnet::attention
