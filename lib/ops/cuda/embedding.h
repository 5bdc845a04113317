#pragma once
// Embedding lookup and its deterministic backward.
#include <cstdint>

#include "ops/cuda/device_context.h"
#include "ops/cuda/views.h"

namespace longnet::cuda {

// out[t, :] = table[ids[t], :] for t < tokens; ids in [0, vocab). Table and out share `dtype`.
void embedding_forward(DeviceContext& ctx, int64_t tokens, int64_t dim, DType dtype, const int32_t* ids,
                       ConstRows table, Rows out);

// dtable[v, :] = sum over t with ids[t] == v of dout[t, :] in fp32, the same bits every run:
// tokens are sorted by id (a stable radix sort), the sorted positions are cut into fixed tiles of
// 32 summed by one warp each in increasing t, and a run spread over several tiles adds its tile
// sums in order. Rows of ids that do not occur are 0. dtable [vocab, dim] is overwritten.
void embedding_backward(DeviceContext& ctx, int64_t tokens, int64_t dim, int64_t vocab, const int32_t* ids,
                        DType dout_type, ConstRows dout, DType dtable_type, Rows dtable);

}  // namespace longnet::cuda
