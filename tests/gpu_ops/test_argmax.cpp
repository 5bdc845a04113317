// Maximum with argmax and its backward against a sequential scan written here.
#include <cmath>
#include <limits>

#include "gpu_test_support.h"
#include "ops/cuda/argmax.h"

namespace longnet::cuda::test {
namespace {

struct Want {
  std::vector<double> value;
  std::vector<int64_t> index;
};

// The first k whose value is larger than every earlier one, starting from -inf (so NaNs never
// win and a row without anything above -inf answers 0).
Want scan(const std::vector<double>& x, int64_t outer, int64_t n, int64_t inner) {
  Want w;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double best = -INFINITY;
      int64_t at = 0;
      for (int64_t k = 0; k < n; ++k)
        if (x[(o * n + k) * inner + i] > best) best = x[(o * n + k) * inner + i], at = k;
      w.value.push_back(x[(o * n + at) * inner + i]);
      w.index.push_back(at);
    }
  return w;
}

std::vector<int64_t> download_indices(const Block& b, int64_t n) {
  std::vector<int64_t> host(n);
  gpu().copy_to_host(host.data(), b.get(), sizeof(int64_t) * n);
  return host;
}

// Values on a coarse grid, so that rows hold ties; some rows made all -inf or given NaNs.
std::vector<double> values_with_ties(int64_t outer, int64_t n, int64_t inner, uint64_t seed) {
  auto x = random_values(outer * n * inner, -4, 4, seed);
  for (double& v : x) v = std::round(v);
  for (int64_t k = 0; k < n; ++k) {
    x[(0 * n + k) * inner] = -INFINITY;                               // row (0, 0): all -inf
    if (k % 3 == 0) x[(std::min<int64_t>(1, outer - 1) * n + k) * inner] = NAN;  // NaNs in (1, 0)
  }
  return x;
}

void check(DType t, int64_t outer, int64_t n, int64_t inner) {
  SCOPED_TRACE(::testing::Message() << name(t) << " outer " << outer << " n " << n << " inner " << inner);
  auto x = stored(values_with_ties(outer, n, inner, 70 + n), t);
  const int64_t outputs = outer * inner;
  DeviceArray dx(x, t), out(outputs, t);
  Block arg(gpu().memory(), sizeof(int64_t) * outputs);
  gpu().fill_bytes(arg.get(), 0xff, sizeof(int64_t) * outputs);  // poison: -1
  max_with_argmax(gpu(), outer, n, inner, dx.data(), t, out.data(), t, arg.as<int64_t>());
  Want w = scan(x, outer, n, inner);
  EXPECT_EQ(download_indices(arg, outputs), w.index);
  auto got = out.download();
  for (int64_t i = 0; i < outputs; ++i)
    if (std::isnan(w.value[i]))
      EXPECT_TRUE(std::isnan(got[i])) << i;
    else
      EXPECT_EQ(got[i], w.value[i]) << i;

  auto g = stored(random_values(outputs, -1, 1, 80), t);
  DeviceArray dg(g, t), dgx(outer * n * inner, t);
  max_backward(gpu(), outer, n, inner, arg.as<int64_t>(), dg.data(), t, dgx.data());
  std::vector<double> want(outer * n * inner, 0.0);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) want[(o * n + w.index[o * inner + i]) * inner + i] = g[o * inner + i];
  EXPECT_TRUE(all_near(dgx.download(), want, 0, 0));
}

TEST(Argmax, MaxAndFirstIndexAlongTheLastDimension) {
  for (DType t : {DType::f32, DType::bf16}) {
    check(t, 7, 1001, 1);  // one warp per row, several values per lane
    check(t, 5, 3, 1);     // fewer values than lanes
  }
}

TEST(Argmax, MaxAndFirstIndexAlongAMiddleDimension) {
  for (DType t : {DType::f32, DType::bf16}) {
    check(t, 3, 37, 11);
    check(t, 2, 5, 300);
  }
}

}  // namespace
}  // namespace longnet::cuda::test
