#pragma once
// Test helpers: device arrays filled from doubles (rounded to the storage type), NaN-poisoned
// outputs, seeded random inputs, and a tolerance check that reports the worst elements.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ops/cuda/device_context.h"
#include "ops/cuda/dtype.h"

namespace longnet::cuda::test {

DeviceContext& gpu();

// Relative tolerance for results stored in `t`: f32 about 1e-5, bf16 about 1e-2.
double tolerance(DType t);

std::vector<double> random_values(int64_t n, double lo, double hi, uint64_t seed);
// The values as `t` stores them (bf16 rounds), so that references start from the same inputs.
std::vector<double> stored(const std::vector<double>& values, DType t);

class DeviceArray {
 public:
  DeviceArray(int64_t n, DType t);  // poisoned: every element NaN
  DeviceArray(const std::vector<double>& values, DType t);
  void* data() const { return block_.get(); }
  DType dtype() const { return dtype_; }
  int64_t size() const { return n_; }
  std::vector<double> download() const;
  std::vector<uint8_t> bytes() const;

 private:
  Block block_;
  DType dtype_;
  int64_t n_;
};

template <class T>
Block upload(const std::vector<T>& values) {
  Block b(gpu().memory(), sizeof(T) * values.size() + 1);
  gpu().copy_to_device(b.get(), values.data(), sizeof(T) * values.size());
  return b;
}

// Every got[i] within atol + rtol * |want[i]|; NaN fails. Names the worst index on failure.
::testing::AssertionResult all_near(const std::vector<double>& got, const std::vector<double>& want, double rtol,
                                    double atol);

}  // namespace longnet::cuda::test
