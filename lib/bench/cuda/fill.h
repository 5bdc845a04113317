#pragma once
// Launch wrapper of the buffer-filling kernel (fill.cu); enqueued on the default stream.
#include <cstdint>

namespace longnet::bench::cuda {

void launch_fill_uniform_bf16(uint16_t* data, int64_t count, uint32_t seed);

}  // namespace longnet::bench::cuda
