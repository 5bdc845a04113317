#include <math_constants.h>

#include "ops/cuda/argmax.h"
#include "ops/cuda/kernel_support.cuh"

namespace longnet::cuda {

namespace {

using namespace detail;

constexpr int64_t kNone = INT64_MAX;

// The best (value, index) so far: larger value wins, then the smaller index, so any order of
// merging gives the sequential scan's answer. index kNone: nothing above -inf seen yet.
struct Best {
  float value;
  int64_t index;
};

__device__ __forceinline__ Best better(Best a, Best b) {
  if (b.value > a.value || (b.value == a.value && b.index < a.index)) return b;
  return a;
}

__device__ __forceinline__ Best see(Best a, float v, int64_t k) { return v > a.value ? Best{v, k} : a; }

struct Args {
  int64_t outer, n, inner;
  const void* x;
  DType x_type;
  void* out;
  DType out_type;
  int64_t* argmax;
};

__device__ __forceinline__ void finish(const Args& a, int64_t o, int64_t i, Best b) {
  const int64_t k = b.index == kNone ? 0 : b.index;
  const int64_t at = o * a.inner + i;
  store(a.out, a.out_type, at, load(a.x, a.x_type, (o * a.n + k) * a.inner + i));
  a.argmax[at] = k;
}

// inner == 1: one warp per row, lanes stride through it.
__global__ void row_kernel(Args a) {
  const int64_t o = global_warp();
  const int lane = lane_id();
  if (o >= a.outer) return;
  Best b{-CUDART_INF_F, kNone};
  for (int64_t k = lane; k < a.n; k += 32) b = see(b, load(a.x, a.x_type, o * a.n + k), k);
#pragma unroll
  for (int s = 16; s; s >>= 1) {
    Best other{__shfl_xor_sync(0xffffffffu, b.value, s), __shfl_xor_sync(0xffffffffu, b.index, s)};
    b = better(b, other);
  }
  if (lane == 0) finish(a, o, 0, b);
}

// inner > 1: one thread per output; neighbouring threads read neighbouring memory.
__global__ void column_kernel(Args a) {
  const int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (t >= a.outer * a.inner) return;
  const int64_t o = t / a.inner, i = t % a.inner;
  Best b{-CUDART_INF_F, kNone};
  for (int64_t k = 0; k < a.n; ++k) b = see(b, load(a.x, a.x_type, (o * a.n + k) * a.inner + i), k);
  finish(a, o, i, b);
}

__global__ void scatter_kernel(int64_t outputs, int64_t n, int64_t inner, const int64_t* argmax, const void* grad,
                               DType type, void* grad_x) {
  const int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (t >= outputs) return;
  const int64_t o = t / inner, i = t % inner;
  store(grad_x, type, (o * n + argmax[t]) * inner + i, load(grad, type, t));
}

void check_sizes(int64_t outer, int64_t n, int64_t inner, const char* what) {
  if (outer < 0 || n <= 0 || inner < 0)
    raise_error(std::string(what) + ": sizes outer " + std::to_string(outer) + ", n " + std::to_string(n) +
                ", inner " + std::to_string(inner) + " (n must be positive)");
}

constexpr int kThreads = 256;

}  // namespace

void max_with_argmax(DeviceContext& ctx, int64_t outer, int64_t n, int64_t inner, const void* x, DType x_type,
                     void* out, DType out_type, int64_t* argmax) {
  check_sizes(outer, n, inner, "max_with_argmax");
  if (outer * inner == 0) return;
  const Args a{outer, n, inner, x, x_type, out, out_type, argmax};
  if (inner == 1) {
    row_kernel<<<blocks_for(outer * 32, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(a);
    check_launch("argmax row_kernel");
  } else {
    column_kernel<<<blocks_for(outer * inner, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(a);
    check_launch("argmax column_kernel");
  }
}

void max_backward(DeviceContext& ctx, int64_t outer, int64_t n, int64_t inner, const int64_t* argmax,
                  const void* grad, DType type, void* grad_x) {
  check_sizes(outer, n, inner, "max_backward");
  if (outer * inner == 0) return;
  ctx.fill_bytes(grad_x, 0, size_t(size_of(type)) * outer * n * inner);  // all-zero bits are 0.0 in f32 and bf16
  scatter_kernel<<<blocks_for(outer * inner, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(
      outer * inner, n, inner, argmax, grad, type, grad_x);
  check_launch("argmax scatter_kernel");
}

}  // namespace longnet::cuda
