// A build without CUDA: the backend's entry points throw a RuntimeError that says so.
#include <gtest/gtest.h>

#include "common/error.h"
#include "ops/cuda/device_context.h"

namespace longnet::cuda {
namespace {

TEST(CudaStub, SaysTheBuildHasNoCuda) {
  try {
    DeviceContext::get(0);
    FAIL() << "expected an error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("built without CUDA"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace longnet::cuda
