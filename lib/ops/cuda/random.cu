#include "common/philox.h"
#include "ops/cuda/kernel_support.cuh"
#include "ops/cuda/random.h"

namespace longnet::cuda {

namespace {

using namespace detail;

__global__ void fill_random_kernel(int64_t n, Distribution dist, double a, double b, uint64_t seed,
                                   uint64_t stream, void* out, DType t) {
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  // Product and sum rounded separately (no fused multiply-add), as the CPU computes them, so an
  // f64 tensor gets the CPU's bits.
  const double v = dist == Distribution::uniform
                       ? __dadd_rn(a, __dmul_rn(b - a, double(philox::uniform_at(seed, stream, uint64_t(i)))))
                       : __dadd_rn(a, __dmul_rn(b, double(philox::normal_at(seed, stream, uint64_t(i)))));
  store(out, t, i, v);
}

// T is the arithmetic type: the CPU's, float(1 / (1 - p)) for f32/bf16 and the double for f64.
template <class T>
__global__ void dropout_kernel(int64_t n, double p, T scale, uint64_t seed, uint64_t stream,
                               const void* x, void* out, DType t) {
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const bool keep = double(philox::uniform_at(seed, stream, uint64_t(i))) >= p;
  store(out, t, i, keep ? load<T>(x, t, i) * scale : T(0));
}

constexpr int kThreads = 256;

unsigned blocks_for(int64_t n) { return unsigned((n + kThreads - 1) / kThreads); }

}  // namespace

void fill_random(DeviceContext& ctx, int64_t n, Distribution dist, double a, double b, uint64_t seed,
                 uint64_t stream, void* out, DType dtype) {
  if (n == 0) return;
  fill_random_kernel<<<blocks_for(n), kThreads, 0, ctx.stream()>>>(n, dist, a, b, seed, stream, out, dtype);
  check_launch("fill_random_kernel");
}

void dropout(DeviceContext& ctx, int64_t n, double p, uint64_t seed, uint64_t stream, const void* x,
             void* out, DType dtype) {
  if (n == 0) return;
  with_math_type({dtype}, [&](auto math) {
    using T = decltype(math);
    dropout_kernel<T><<<blocks_for(n), kThreads, 0, ctx.stream()>>>(n, p, T(1.0 / (1.0 - p)), seed, stream, x,
                                                                    out, dtype);
  });
  check_launch("dropout_kernel");
}

}  // namespace longnet::cuda
