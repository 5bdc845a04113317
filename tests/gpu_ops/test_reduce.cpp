// Reductions along one dimension against fp64 loops.
#include <cmath>

#include "gpu_test_support.h"
#include "ops/cuda/reduce.h"

namespace longnet::cuda::test {
namespace {

void check_reduce(DType t, ReduceOp op, const Extent& e, int dim) {
  SCOPED_TRACE(::testing::Message() << name(t) << " op " << int(op) << " dim " << dim << " extent " << e[0] << "x"
                                    << e[1] << "x" << e[2] << "x" << e[3]);
  Strides in_stride = dense_strides(e);
  int64_t n = e[0] * e[1] * e[2] * e[3];
  auto x = stored(random_values(n, -2, 2, 40 + dim), t);
  Extent oe = e;
  oe[dim] = 1;
  Strides out_stride = dense_strides(oe);
  int64_t outputs = oe[0] * oe[1] * oe[2] * oe[3];
  DeviceArray dx(x, t), dout(outputs, DType::f32);
  reduce(gpu(), op, e, {dx.data(), t, in_stride}, dim, {dout.data(), DType::f32, out_stride});
  std::vector<double> want(outputs, op == ReduceOp::max ? -INFINITY : 0.0);
  int64_t idx[4];
  for (idx[0] = 0; idx[0] < e[0]; ++idx[0])
    for (idx[1] = 0; idx[1] < e[1]; ++idx[1])
      for (idx[2] = 0; idx[2] < e[2]; ++idx[2])
        for (idx[3] = 0; idx[3] < e[3]; ++idx[3]) {
          int64_t in = 0, out = 0;
          for (int d = 0; d < 4; ++d) in += idx[d] * in_stride[d], out += (d == dim ? 0 : idx[d]) * out_stride[d];
          want[out] = op == ReduceOp::max ? std::max(want[out], x[in]) : want[out] + x[in];
        }
  if (op == ReduceOp::mean)
    for (double& w : want) w /= double(e[dim]);
  double atol = 1e-5 * std::sqrt(double(e[dim]));
  EXPECT_TRUE(all_near(dout.download(), want, 1e-5, atol));
}

TEST(Reduce, SumMeanMaxOverTheLastDimension) {
  for (DType t : {DType::f32, DType::bf16})
    for (ReduceOp op : {ReduceOp::sum, ReduceOp::mean, ReduceOp::max}) check_reduce(t, op, {2, 3, 5, 1001}, 3);
}

TEST(Reduce, SumMeanMaxOverAStridedDimension) {
  for (DType t : {DType::f32, DType::bf16})
    for (ReduceOp op : {ReduceOp::sum, ReduceOp::mean, ReduceOp::max}) {
      check_reduce(t, op, {1, 1, 5003, 37}, 2);  // long column: several chunks
      check_reduce(t, op, {3, 7, 5, 11}, 1);
      check_reduce(t, op, {13, 2, 3, 40}, 0);
    }
}

TEST(Reduce, SameBitsEveryRun) {
  Extent e{1, 1, 40000, 96};
  auto x = random_values(e[2] * e[3], -1, 1, 3);
  DeviceArray dx(x, DType::bf16), a(96, DType::f32), b(96, DType::f32);
  reduce(gpu(), ReduceOp::sum, e, {dx.data(), DType::bf16, dense_strides(e)}, 2, {a.data(), DType::f32, {0, 0, 0, 1}});
  reduce(gpu(), ReduceOp::sum, e, {dx.data(), DType::bf16, dense_strides(e)}, 2, {b.data(), DType::f32, {0, 0, 0, 1}});
  EXPECT_EQ(a.bytes(), b.bytes());
}

}  // namespace
}  // namespace longnet::cuda::test
