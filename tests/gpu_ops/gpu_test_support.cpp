#include "gpu_test_support.h"

#include <cmath>
#include <cstring>
#include <random>

namespace longnet::cuda::test {

DeviceContext& gpu() { return DeviceContext::get(0); }

double tolerance(DType t) { return t == DType::f32 ? 1e-5 : 1e-2; }

std::vector<double> random_values(int64_t n, double lo, double hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

std::vector<double> stored(const std::vector<double>& values, DType t) {
  std::vector<double> out(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    out[i] = t == DType::f32 ? double(float(values[i])) : double(to_float(to_bf16(float(values[i]))));
  return out;
}

DeviceArray::DeviceArray(int64_t n, DType t) : block_(gpu().memory(), size_of(t) * n + 1), dtype_(t), n_(n) {
  gpu().fill_bytes(block_.get(), 0xff, size_of(t) * n);  // all-ones bits: NaN in f32 and bf16
}

DeviceArray::DeviceArray(const std::vector<double>& values, DType t)
    : block_(gpu().memory(), size_of(t) * values.size() + 1), dtype_(t), n_(int64_t(values.size())) {
  std::vector<uint8_t> raw(size_of(t) * values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (t == DType::f32) {
      float f = float(values[i]);
      std::memcpy(&raw[4 * i], &f, 4);
    } else {
      bf16 b = to_bf16(float(values[i]));
      std::memcpy(&raw[2 * i], &b, 2);
    }
  }
  gpu().copy_to_device(block_.get(), raw.data(), raw.size());
}

std::vector<uint8_t> DeviceArray::bytes() const {
  std::vector<uint8_t> raw(size_of(dtype_) * n_);
  gpu().copy_to_host(raw.data(), block_.get(), raw.size());
  return raw;
}

std::vector<double> DeviceArray::download() const {
  std::vector<uint8_t> raw = bytes();
  std::vector<double> out(n_);
  for (int64_t i = 0; i < n_; ++i) {
    if (dtype_ == DType::f32) {
      float f;
      std::memcpy(&f, &raw[4 * i], 4);
      out[i] = f;
    } else {
      bf16 b;
      std::memcpy(&b, &raw[2 * i], 2);
      out[i] = to_float(b);
    }
  }
  return out;
}

::testing::AssertionResult all_near(const std::vector<double>& got, const std::vector<double>& want, double rtol,
                                    double atol) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "sizes differ: " << got.size() << " vs " << want.size();
  int64_t bad = 0, worst = -1;
  double worst_excess = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double limit = atol + rtol * std::abs(want[i]);
    double err = std::abs(got[i] - want[i]);
    if (!(err <= limit)) {
      ++bad;
      double excess = std::isnan(err) ? INFINITY : err / limit;
      if (worst < 0 || excess > worst_excess) worst = int64_t(i), worst_excess = excess;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << got.size() << " elements off; worst [" << worst
                                       << "]: got " << got[worst] << ", want " << want[worst] << " (rtol " << rtol
                                       << ", atol " << atol << ")";
}

}  // namespace longnet::cuda::test
