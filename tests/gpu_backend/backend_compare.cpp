#include "gpu_backend/backend_compare.h"

#include <limits>

#include "gpu_ops/gpu_test_support.h"
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/elementwise.h"
#include "ops/gradcheck.h"
#include "ops/reduce.h"

namespace longnet::test {

Operand random_operand(const Shape& shape, uint64_t seed, double low, double high,
                       DType gpu_dtype) {
  Tensor cpu = testing::random_input(shape, seed, testing::Layout::contiguous, low, high);
  Tensor gpu = ops::to_device(ops::cast(cpu.detach(), gpu_dtype), gpu_device());
  gpu.set_requires_grad(true);
  return {cpu, gpu};
}

std::vector<double> host_values(const Tensor& t) {
  return testing::values(ops::to_device(t.detach(), Device::cpu()));
}

void poison_device_memory() {
  std::vector<Tensor> blocks;
  for (int64_t n = 1; n <= (int64_t(1) << 22); n *= 2)
    for (int copies = 0; copies < 4; ++copies)
      blocks.push_back(ops::full({n}, std::numeric_limits<double>::quiet_NaN(), DType::f32,
                                 gpu_device()));
}

void expect_backends_agree(const Computation& f, const std::vector<Operand>& operands,
                           Tolerance tol) {
  std::vector<Tensor> cpu_in, gpu_in;
  for (const Operand& o : operands) cpu_in.push_back(o.cpu), gpu_in.push_back(o.gpu);
  poison_device_memory();
  const Tensor want = f(cpu_in);
  const Tensor got = f(gpu_in);
  ASSERT_EQ(got.device(), gpu_device());
  ASSERT_EQ(got.shape(), want.shape());
  EXPECT_TRUE(cuda::test::all_near(host_values(got), host_values(want), tol.rtol, tol.atol))
      << "forward";

  const Tensor w = testing::random_input(want.shape(), 7777).detach();
  const Tensor w_gpu = ops::to_device(ops::cast(w, got.dtype()), gpu_device());
  backward(ops::sum(ops::mul(want, w)));
  poison_device_memory();
  backward(ops::sum(ops::mul(got, w_gpu)));
  for (size_t i = 0; i < operands.size(); ++i) {
    if (!operands[i].cpu.grad().defined()) continue;
    ASSERT_TRUE(operands[i].gpu.grad().defined()) << "operand " << i;
    EXPECT_TRUE(cuda::test::all_near(host_values(operands[i].gpu.grad()),
                                     host_values(operands[i].cpu.grad()), tol.rtol, tol.atol))
        << "gradient of operand " << i;
  }
}

}  // namespace longnet::test
