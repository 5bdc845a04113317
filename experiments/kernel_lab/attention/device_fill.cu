// Random bf16 values made on the device: host-made inputs of layer-scale calls (millions of rows
// times 768 values) would take minutes to draw and upload.
#include <cuda_runtime.h>

#include <cstdint>

#include "variants.h"

namespace longnet::attention::lab {
namespace {

__global__ void fill_kernel(uint16_t* out, size_t n, uint64_t seed) {
  for (size_t i = blockIdx.x * size_t{blockDim.x} + threadIdx.x; i < n;
       i += size_t{gridDim.x} * blockDim.x) {
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed;  // splitmix64
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    x ^= x >> 31;
    // Uniform on [-sqrt(3), sqrt(3)): unit variance, like the host inputs.
    const float u = (static_cast<float>(x >> 40) / 16777216.0f * 2.0f - 1.0f) * 1.7320508f;
    out[i] = static_cast<uint16_t>(__float_as_uint(u) >> 16);
  }
}

}  // namespace

void fill_random_bf16(uint16_t* out, size_t n, uint64_t seed) {
  fill_kernel<<<1024, 256>>>(out, n, seed);
}

}  // namespace longnet::attention::lab
