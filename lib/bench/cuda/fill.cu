#include "bench/cuda/fill.h"

namespace longnet::bench::cuda {

namespace {

// A 32-bit mix of (seed, index) (lowbias32), mapped to [-1, 1) and rounded to bf16 by keeping
// the float's top 16 bits with round-to-nearest-even.
__global__ void fill_uniform_bf16_kernel(uint16_t* data, int64_t count, uint32_t seed) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    uint32_t x = uint32_t(i) ^ (uint32_t(i >> 32) * 0x9E3779B9u) ^ (seed * 0x85EBCA6Bu);
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    const float value = float(x >> 8) * (2.0f / 16777216.0f) - 1.0f;
    const uint32_t bits = __float_as_uint(value);
    data[i] = uint16_t((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
  }
}

}  // namespace

void launch_fill_uniform_bf16(uint16_t* data, int64_t count, uint32_t seed) {
  const int threads = 256;
  const int64_t wanted = (count + threads - 1) / threads;
  const int blocks = int(wanted < 65536 ? (wanted > 0 ? wanted : 1) : 65536);
  fill_uniform_bf16_kernel<<<blocks, threads>>>(data, count, seed);
}

}  // namespace longnet::bench::cuda
