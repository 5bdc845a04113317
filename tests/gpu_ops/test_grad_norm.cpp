// The global gradient norm over a list of tensors: value and reproducibility.
#include <cmath>

#include "gpu_test_support.h"
#include "ops/cuda/grad_norm.h"

namespace longnet::cuda::test {
namespace {

struct Tensors {
  std::vector<DeviceArray> arrays;
  std::vector<TensorRef> refs;
  double sum_sq = 0;
};

Tensors make_tensors() {
  Tensors t;
  const std::pair<int64_t, DType> specs[] = {
      {100003, DType::bf16}, {37, DType::f32}, {16385, DType::bf16}, {1, DType::f32}, {300000, DType::f32}};
  uint64_t seed = 90;
  for (auto [n, type] : specs) {
    auto v = stored(random_values(n, -1, 1, seed++), type);
    for (double x : v) t.sum_sq += x * x;
    t.arrays.emplace_back(v, type);
  }
  for (const DeviceArray& a : t.arrays) t.refs.push_back({a.data(), a.dtype(), a.size()});
  return t;
}

TEST(GlobalNorm, IsTheL2NormOfAllElements) {
  Tensors t = make_tensors();
  DeviceArray norm(1, DType::f32);
  global_norm(gpu(), t.refs, static_cast<float*>(norm.data()));
  EXPECT_NEAR(norm.download()[0], std::sqrt(t.sum_sq), 1e-5 * std::sqrt(t.sum_sq));
}

TEST(GlobalNorm, SameBitsEveryRun) {
  Tensors t = make_tensors();
  DeviceArray a(1, DType::f32), b(1, DType::f32);
  global_norm(gpu(), t.refs, static_cast<float*>(a.data()));
  global_norm(gpu(), t.refs, static_cast<float*>(b.data()));
  EXPECT_EQ(a.bytes(), b.bytes());
}

TEST(GlobalNorm, OfNothingIsZero) {
  DeviceArray norm(1, DType::f32);
  global_norm(gpu(), {}, static_cast<float*>(norm.data()));
  EXPECT_EQ(norm.download()[0], 0.0);
}

}  // namespace
}  // namespace longnet::cuda::test
