#include "ops/xpos_table.h"

#include <cmath>

namespace longnet::ops {

XposTable xpos_table(int64_t n, int64_t dh, int64_t start, bool inverse, const XposScale& scale) {
  const int64_t pairs = dh / 2;
  XposTable t{std::vector<double>(size_t(n * pairs)), std::vector<double>(size_t(n * pairs))};
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < pairs; ++j) {
      const double p = double(start + i);
      const double angle = p * std::pow(10000.0, -2.0 * double(j) / double(dh));
      const double z = (2.0 * double(j) + 0.4 * double(dh)) / (1.4 * double(dh));
      const double factor =
          scale.sign == 0 ? 1.0 : std::pow(z, scale.sign * (p - double(scale.origin)) / scale.base);
      t.cos[size_t(i * pairs + j)] = factor * std::cos(angle);
      t.sin[size_t(i * pairs + j)] = factor * (inverse ? -std::sin(angle) : std::sin(angle));
    }
  return t;
}

}  // namespace longnet::ops
