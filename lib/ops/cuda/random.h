#pragma once
// Counter-based random fills and dropout (common/philox.h): element i draws Philox(seed, stream,
// i), so a CUDA tensor gets the same numbers as a CPU one, whatever the launch layout.
#include <cstdint>

#include "ops/cuda/device_context.h"
#include "ops/cuda/dtype.h"

namespace longnet::cuda {

enum class Distribution { uniform, normal };

// uniform: a + (b - a) * U[0, 1); normal: a + b * N(0, 1); computed in fp64, stored as `dtype`.
void fill_random(DeviceContext& ctx, int64_t n, Distribution dist, double a, double b, uint64_t seed,
                 uint64_t stream, void* out, DType dtype);

// out[i] = keep ? x[i] * (1 / (1 - p)) : 0 with keep = U(seed, stream, i) >= p; contiguous. The
// scale is rounded to float for f32/bf16 (fp32 math), kept double for f64.
void dropout(DeviceContext& ctx, int64_t n, double p, uint64_t seed, uint64_t stream, const void* x,
             void* out, DType dtype);

}  // namespace longnet::cuda
