#pragma once
// Token ids and targets as the kernels take them (int32 on the device, checked against a range),
// and row lookups by id: the generic (any dtype, fp64 for f64) embedding and target-logit paths.
#include <cstdint>

#include "ops/cuda/device_context.h"
#include "ops/cuda/dtype.h"

namespace longnet::cuda {

enum class IndexType { i32, i64, u16 };

// out[i] = int32(in[i]) for n ids of type `type`; valid[i] = 1 (0 where in[i] == skip), stored as
// valid_type, when valid is set. Returns how many ids are neither in [0, limit) nor equal to
// `skip` (waits for the stream to read the count back).
int64_t narrow_indices(DeviceContext& ctx, int64_t n, const void* in, IndexType type, int64_t limit,
                       int64_t skip, int32_t* out, void* valid, DType valid_type);

// Row i of a lookup is row `i * step + ids[i]` of a contiguous table whose rows hold `width`
// elements: step 0 looks ids up in one table (an embedding), step = row length picks one element
// per row (width 1: a target's logit). Ids equal to `skip` look nothing up.

// out[i, :] = table[row i, :], or 0 where ids[i] == skip; table and out of one type.
void gather_rows(DeviceContext& ctx, int64_t n, int64_t width, const int32_t* ids, int64_t step, int64_t skip,
                 const void* table, void* out, DType type);

// table[row i, :] += src[i, :] for ids[i] != skip, each destination summed in increasing i (no
// atomics: deterministic). With step 0 one thread per column walks i in order (a correctness
// path, for the fp64 oracle); with step > 0 the rows are distinct and added in parallel.
void scatter_add_rows(DeviceContext& ctx, int64_t n, int64_t width, const int32_t* ids, int64_t step,
                      int64_t skip, const void* src, void* table, DType type);

}  // namespace longnet::cuda
