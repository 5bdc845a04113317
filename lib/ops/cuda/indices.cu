#include "ops/cuda/indices.h"
#include "ops/cuda/kernel_support.cuh"

namespace longnet::cuda {

namespace {

__device__ int64_t read_index(const void* in, IndexType type, int64_t i) {
  if (type == IndexType::i32) return static_cast<const int32_t*>(in)[i];
  if (type == IndexType::i64) return static_cast<const int64_t*>(in)[i];
  return static_cast<const uint16_t*>(in)[i];
}

__global__ void narrow_kernel(int64_t n, const void* in, IndexType type, int64_t limit, int64_t skip, int32_t* out,
                              float* valid, unsigned long long* bad) {
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const int64_t id = read_index(in, type, i);
  const bool skipped = id == skip;
  if (!skipped && (id < 0 || id >= limit)) atomicAdd(bad, 1ull);
  out[i] = int32_t(id);
  if (valid) valid[i] = skipped ? 0.f : 1.f;
}

constexpr int kThreads = 256;

}  // namespace

int64_t narrow_indices(DeviceContext& ctx, int64_t n, const void* in, IndexType type, int64_t limit,
                       int64_t skip, int32_t* out, float* valid) {
  if (n == 0) return 0;
  Block bad(ctx.memory(), sizeof(unsigned long long));
  ctx.fill_bytes(bad.get(), 0, sizeof(unsigned long long));
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  narrow_kernel<<<unsigned(blocks), kThreads, 0, ctx.stream()>>>(n, in, type, limit, skip, out, valid,
                                                                 bad.as<unsigned long long>());
  check_launch("narrow_kernel");
  unsigned long long count = 0;
  ctx.copy_to_host(&count, bad.get(), sizeof count);
  return int64_t(count);
}

}  // namespace longnet::cuda
