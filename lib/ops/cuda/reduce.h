#pragma once
// Reductions along one dimension of a 4-D strided view, fp32 accumulation (fp64 when the input or
// output is f64), deterministic: the order of additions depends only on the shape, never on timing.
#include "ops/cuda/device_context.h"
#include "ops/cuda/views.h"

namespace longnet::cuda {

enum class ReduceOp { sum, mean, max };

// out[..] = op over i of in[.., i at `dim`, ..]. `out` is indexed by the same 4-D index with the
// reduced dimension's index 0 (its stride along `dim` is ignored).
void reduce(DeviceContext& ctx, ReduceOp op, const Extent& extent, const InView& in, int dim,
            const OutView& out);

}  // namespace longnet::cuda
