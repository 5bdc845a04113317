#include "ops/cuda/grad_norm.h"
#include "ops/cuda/kernel_support.cuh"

namespace longnet::cuda {

namespace {

using namespace detail;

constexpr int64_t kChunk = 16384;
constexpr int kThreads = 256;

struct Chunk {
  const void* data;
  int64_t begin, end;
  DType dtype;
};

__global__ void chunk_kernel(const Chunk* chunks, double* partial) {
  __shared__ float scratch[32];
  const Chunk c = chunks[blockIdx.x];
  float acc = 0.f;
  for (int64_t i = c.begin + threadIdx.x; i < c.end; i += kThreads) {
    float x = load(c.data, c.dtype, i);
    acc += x * x;
  }
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

__global__ void total_kernel(const double* partial, int64_t count, float* norm) {
  __shared__ double scratch[kThreads];
  double acc = 0.0;
  for (int64_t i = threadIdx.x; i < count; i += kThreads) acc += partial[i];
  scratch[threadIdx.x] = acc;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) scratch[threadIdx.x] += scratch[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) *norm = float(sqrt(scratch[0]));
}

}  // namespace

void global_norm(DeviceContext& ctx, const std::vector<TensorRef>& tensors, float* norm) {
  std::vector<Chunk> chunks;
  for (const TensorRef& t : tensors)
    for (int64_t begin = 0; begin < t.count; begin += kChunk)
      chunks.push_back({t.data, begin, std::min(begin + kChunk, t.count), t.dtype});
  if (chunks.empty()) {
    ctx.fill_bytes(norm, 0, sizeof(float));
    return;
  }
  if (chunks.size() > INT32_MAX) raise_error("global_norm: too many elements");
  Block table(ctx.memory(), sizeof(Chunk) * chunks.size());
  Block partial(ctx.memory(), sizeof(double) * chunks.size());
  ctx.copy_to_device(table.get(), chunks.data(), sizeof(Chunk) * chunks.size());
  chunk_kernel<<<unsigned(chunks.size()), kThreads, 0, ctx.stream()>>>(table.as<Chunk>(), partial.as<double>());
  check_launch("global_norm chunk_kernel");
  total_kernel<<<1, kThreads, 0, ctx.stream()>>>(partial.as<double>(), int64_t(chunks.size()), norm);
  check_launch("global_norm total_kernel");
  ctx.synchronize();
}

}  // namespace longnet::cuda
