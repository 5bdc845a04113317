#pragma once
// Integer rounding for sizes, tiles and workspace layouts, the same on the host and in kernels.
#include <cstddef>
#include <cstdint>

#include "common/host_device.h"

namespace longnet {

// a / b rounded up (a >= 0, b > 0).
LONGNET_HOST_DEVICE constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// x rounded up to a multiple of m (m > 0).
LONGNET_HOST_DEVICE constexpr size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

}  // namespace longnet
