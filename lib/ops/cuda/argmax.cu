#include <math_constants.h>

#include "ops/cuda/argmax.h"
#include "ops/cuda/kernel_support.cuh"

namespace longnet::cuda {

namespace {

using namespace detail;

constexpr int64_t kNone = INT64_MAX;

// The best (value, index) so far: larger value wins, then the smaller index, so any order of
// merging gives the sequential scan's answer. index kNone: nothing above -inf seen yet. T is the
// comparison type (double for f64 input, so close f64 values are not merged by rounding).
template <class T>
struct Best {
  T value;
  int64_t index;
};

template <class T>
__device__ __forceinline__ Best<T> better(Best<T> a, Best<T> b) {
  if (b.value > a.value || (b.value == a.value && b.index < a.index)) return b;
  return a;
}

template <class T>
__device__ __forceinline__ Best<T> see(Best<T> a, T v, int64_t k) { return v > a.value ? Best<T>{v, k} : a; }

struct Args {
  int64_t outer, n, inner;
  const void* x;
  DType x_type;
  void* out;
  DType out_type;
  int64_t* argmax;
};

template <class T>
__device__ __forceinline__ void finish(const Args& a, int64_t o, int64_t i, Best<T> b) {
  const int64_t k = b.index == kNone ? 0 : b.index;
  const int64_t at = o * a.inner + i;
  store(a.out, a.out_type, at, load<T>(a.x, a.x_type, (o * a.n + k) * a.inner + i));
  a.argmax[at] = k;
}

// inner == 1: one warp per row, lanes stride through it.
template <class T>
__global__ void row_kernel(Args a) {
  const int64_t o = global_warp();
  const int lane = lane_id();
  if (o >= a.outer) return;
  Best<T> b{T(-CUDART_INF), kNone};
  for (int64_t k = lane; k < a.n; k += 32) b = see(b, load<T>(a.x, a.x_type, o * a.n + k), k);
#pragma unroll
  for (int s = 16; s; s >>= 1) {
    Best<T> other{__shfl_xor_sync(0xffffffffu, b.value, s), __shfl_xor_sync(0xffffffffu, b.index, s)};
    b = better(b, other);
  }
  if (lane == 0) finish(a, o, 0, b);
}

// inner > 1: one thread per output; neighbouring threads read neighbouring memory.
template <class T>
__global__ void column_kernel(Args a) {
  const int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (t >= a.outer * a.inner) return;
  const int64_t o = t / a.inner, i = t % a.inner;
  Best<T> b{T(-CUDART_INF), kNone};
  for (int64_t k = 0; k < a.n; ++k) b = see(b, load<T>(a.x, a.x_type, (o * a.n + k) * a.inner + i), k);
  finish(a, o, i, b);
}

template <class T>
__global__ void scatter_kernel(int64_t outputs, int64_t n, int64_t inner, const int64_t* argmax, const void* grad,
                               DType type, void* grad_x) {
  const int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (t >= outputs) return;
  const int64_t o = t / inner, i = t % inner;
  store(grad_x, type, (o * n + argmax[t]) * inner + i, load<T>(grad, type, t));
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
  with_math_type({x_type, out_type}, [&](auto math) {
    using T = decltype(math);
    if (inner == 1)
      row_kernel<T><<<blocks_for(outer * 32, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(a);
    else
      column_kernel<T><<<blocks_for(outer * inner, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(a);
  });
  check_launch("argmax kernel");
}

void max_backward(DeviceContext& ctx, int64_t outer, int64_t n, int64_t inner, const int64_t* argmax,
                  const void* grad, DType type, void* grad_x) {
  check_sizes(outer, n, inner, "max_backward");
  if (outer * inner == 0) return;
  ctx.fill_bytes(grad_x, 0, size_t(size_of(type)) * outer * n * inner);  // all-zero bits are 0.0 in every dtype
  with_math_type({type}, [&](auto math) {
    scatter_kernel<decltype(math)><<<blocks_for(outer * inner, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(
        outer * inner, n, inner, argmax, grad, type, grad_x);
  });
  check_launch("argmax scatter_kernel");
}

}  // namespace longnet::cuda
