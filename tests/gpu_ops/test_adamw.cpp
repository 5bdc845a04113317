// Fused AdamW against PyTorch's update rule written out in fp64.
#include <cmath>

#include "gpu_test_support.h"
#include "ops/cuda/adamw.h"

namespace longnet::cuda::test {
namespace {

void check(int64_t n, DType grad_type) {
  SCOPED_TRACE(::testing::Message() << "n " << n << " grads " << name(grad_type));
  AdamWHyper h;
  h.lr = 1e-2f, h.weight_decay = 0.1f, h.grad_scale = 0.5f;
  auto p = stored(random_values(n, -1, 1, 80), DType::f32);
  std::vector<double> m(n, 0.0), v(n, 0.0);
  DeviceArray dp(p, DType::f32), dm(m, DType::f32), dv(v, DType::f32), copy(n, DType::bf16);
  for (int64_t step = 1; step <= 5; ++step) {
    h.step = step;
    auto g = stored(random_values(n, -1, 1, 80 + step), grad_type);
    DeviceArray dg(g, grad_type);
    adamw_step(gpu(), h, n, grad_type, dg.data(), static_cast<float*>(dp.data()), static_cast<float*>(dm.data()),
               static_cast<float*>(dv.data()), DType::bf16, copy.data());
    double bc1 = 1 - std::pow(double(h.beta1), double(step)), bc2 = 1 - std::pow(double(h.beta2), double(step));
    for (int64_t i = 0; i < n; ++i) {
      double gi = double(h.grad_scale) * g[i];
      p[i] *= 1 - double(h.lr) * double(h.weight_decay);
      m[i] = double(h.beta1) * m[i] + (1 - double(h.beta1)) * gi;
      v[i] = double(h.beta2) * v[i] + (1 - double(h.beta2)) * gi * gi;
      p[i] -= double(h.lr) / bc1 * m[i] / (std::sqrt(v[i]) / std::sqrt(bc2) + double(h.eps));
    }
  }
  EXPECT_TRUE(all_near(dp.download(), p, 1e-5, 1e-6));
  EXPECT_TRUE(all_near(dm.download(), m, 1e-5, 1e-7));
  EXPECT_TRUE(all_near(dv.download(), v, 1e-5, 1e-9));
  EXPECT_TRUE(all_near(copy.download(), stored(dp.download(), DType::bf16), 0, 0));
}

TEST(AdamW, FiveStepsMatchTorchSemantics) {
  check(1003, DType::bf16);  // element-by-element path
  check(4096, DType::bf16);  // 16-byte path
  check(4096, DType::f32);
}

TEST(AdamW, StepCountsFromOne) {
  AdamWHyper h;
  h.step = 0;
  EXPECT_THROW(adamw_step(gpu(), h, 8, DType::f32, nullptr, nullptr, nullptr, nullptr, DType::bf16, nullptr),
               std::exception);
}

}  // namespace
}  // namespace longnet::cuda::test
