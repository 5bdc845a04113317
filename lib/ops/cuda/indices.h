#pragma once
// Token ids and targets as the kernels take them: int32 on the device, checked against a range.
#include <cstdint>

#include "ops/cuda/device_context.h"

namespace longnet::cuda {

enum class IndexType { i32, i64, u16 };

// out[i] = int32(in[i]) for n ids of type `type`; valid[i] = 1 (0 where in[i] == skip) when
// valid is set. Returns how many ids are neither in [0, limit) nor equal to `skip` (waits for the
// stream to read the count back).
int64_t narrow_indices(DeviceContext& ctx, int64_t n, const void* in, IndexType type, int64_t limit,
                       int64_t skip, int32_t* out, float* valid);

}  // namespace longnet::cuda
