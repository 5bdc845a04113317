#pragma once
// The rotation factors of XPOS (backend.h's xpos), shared by the CPU backend and the CUDA
// backend's f64 path so both start from the same numbers.
#include <cstdint>
#include <vector>

#include "ops/backend.h"

namespace longnet::ops {

// For positions p = start + i, i < n, and pairs j < dh / 2, entry i * (dh / 2) + j holds
// f cos(angle) and f sin(angle) (sin negated when inverse), angle = p * 10000^(-2j/dh) and f the
// decay scale of `scale` (1 for sign 0). Computed in double: p * theta reaches 1e6 and more,
// where float loses the phase.
struct XposTable {
  std::vector<double> cos, sin;
};
XposTable xpos_table(int64_t n, int64_t dh, int64_t start, bool inverse, const XposScale& scale);

}  // namespace longnet::ops
