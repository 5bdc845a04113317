// Device dispatch, dtype casts and host transfers.
#include "common/build_info.h"
#include "ops/create.h"
#include "ops/elementwise.h"
#include "ops/gradcheck.h"

namespace longnet {
namespace {

using testing::values;

TEST(Backend, CudaTensorsNeedACudaBuild) {
  if (build_info().cuda_built) GTEST_SKIP() << "this build has CUDA";
  try {
    ops::zeros({2}, DType::f32, Device::cuda(0));
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("built without CUDA"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ops::to_device(ops::zeros({2}), Device::cuda(1)), RuntimeError);
}

TEST(Backend, CastsRoundTripThroughBf16) {
  const Tensor x = ops::from_vector<double>({1.0, -2.5, 1.0 + 1.0 / 256, 1.0 + 3.0 / 256}, {4});
  const Tensor b = ops::cast(x, DType::bf16);
  EXPECT_EQ(b.dtype(), DType::bf16);
  // bf16 keeps 8 significant bits (spacing 2^-7 above 1): 1 + 2^-8 ties between 1 and
  // 1 + 2^-7 and rounds to the even 1; 1 + 3 * 2^-8 ties and rounds to the even 1 + 2^-6.
  EXPECT_EQ(values(b), (std::vector<double>{1.0, -2.5, 1.0, 1.0 + 1.0 / 64}));
}

TEST(Backend, IntegerCastsTruncateAndCarryNoGradient) {
  const Tensor x = ops::from_vector<double>({1.9, -2.2, 65535.0}, {3});
  EXPECT_EQ(ops::cast(x, DType::i32).to_vector<int32_t>(), (std::vector<int32_t>{1, -2, 65535}));
  EXPECT_EQ(ops::cast(x, DType::u16).to_vector<uint16_t>()[2], 65535);
  Tensor leaf = ops::ones({2}, DType::f64);
  leaf.set_requires_grad(true);
  EXPECT_FALSE(ops::cast(leaf, DType::i64).requires_grad());
  EXPECT_TRUE(ops::cast(leaf, DType::f32).requires_grad());
}

}  // namespace
}  // namespace longnet
