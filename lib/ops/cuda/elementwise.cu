#include "ops/cuda/elementwise.h"
#include "ops/cuda/kernel_support.cuh"

#include <utility>

namespace longnet::cuda {

namespace {

using namespace detail;

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kGeluTanhCubic = 0.044715f;

__device__ __forceinline__ float gelu_tanh(float x) {
  return 0.5f * x * (1.f + tanhf(kSqrt2OverPi * (x + kGeluTanhCubic * x * x * x)));
}

__device__ __forceinline__ float gelu_tanh_derivative(float x) {
  float t = tanhf(kSqrt2OverPi * (x + kGeluTanhCubic * x * x * x));
  return 0.5f * (1.f + t) + 0.5f * x * (1.f - t * t) * kSqrt2OverPi * (1.f + 3.f * kGeluTanhCubic * x * x);
}

__device__ __forceinline__ float apply(UnaryOp op, float x, float alpha) {
  switch (op) {
    case UnaryOp::copy: return x;
    case UnaryOp::neg: return -x;
    case UnaryOp::scale: return alpha * x;
    case UnaryOp::add_scalar: return x + alpha;
    case UnaryOp::exp: return expf(x);
    case UnaryOp::log: return logf(x);
    case UnaryOp::tanh: return tanhf(x);
    case UnaryOp::sqrt: return sqrtf(x);
    case UnaryOp::rsqrt: return rsqrtf(x);
    case UnaryOp::square: return x * x;
    case UnaryOp::reciprocal: return 1.f / x;
    case UnaryOp::abs: return fabsf(x);
    case UnaryOp::relu: return x > 0.f ? x : 0.f;
    case UnaryOp::gelu: return 0.5f * x * (1.f + erff(x * kInvSqrt2));
    case UnaryOp::gelu_tanh: return gelu_tanh(x);
    case UnaryOp::pow: return powf(x, alpha);
    case UnaryOp::fill: return alpha;
  }
  return x;
}

__device__ __forceinline__ float apply(BinaryOp op, float a, float b, float alpha) {
  switch (op) {
    case BinaryOp::add: return a + b;
    case BinaryOp::sub: return a - b;
    case BinaryOp::mul: return a * b;
    case BinaryOp::div: return a / b;
    case BinaryOp::max: return max_nan(a, b);
    case BinaryOp::min: return (a < b || a != a) ? a : b;
    case BinaryOp::gelu_backward: {
      float cdf = 0.5f * (1.f + erff(a * kInvSqrt2));
      float pdf = kInvSqrt2Pi * expf(-0.5f * a * a);
      return b * (cdf + a * pdf);
    }
    case BinaryOp::gelu_tanh_backward: return b * gelu_tanh_derivative(a);
    case BinaryOp::pow_backward: return b * (alpha * powf(a, alpha - 1.f));
    case BinaryOp::clamp_min_backward: return b * (a < alpha ? 0.f : 1.f);
  }
  return a;
}

// Operands of one launch: view 0 is the output, 1 and 2 the inputs.
struct Operands {
  int64_t size[4];
  int64_t stride[3][4];
  void* out;
  const void* in[2];
  DType type[3];
  int op;
  float alpha;
  int64_t period[2];  // dense kernel: 0 for a dense input, else the row length it repeats
};

// Whether a view walks `e` in row-major order; strides of size-1 dims do not matter.
bool walks_densely(const Strides& s, const Extent& e) {
  const Strides dense = dense_strides(e);
  for (int d = 0; d < 4; ++d)
    if (e[d] != 1 && s[d] != dense[d]) return false;
  return true;
}

// Whether a view is one row of e[3] values repeated for every row (a bias added to each row).
bool repeats_one_row(const Strides& s, const Extent& e) {
  for (int d = 0; d < 3; ++d)
    if (e[d] != 1 && s[d] != 0) return false;
  return e[3] == 1 || s[3] == 1;
}

template <int kInputs>
__device__ __forceinline__ float compute(int op, const Operands& o, const float (&x)[2]) {
  if constexpr (kInputs == 1)
    return apply(UnaryOp(op), x[0], o.alpha);
  else
    return apply(BinaryOp(op), x[0], x[1], o.alpha);
}

template <int kInputs>
__global__ void strided_kernel(Operands o, int64_t n) {
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < n; idx += int64_t(gridDim.x) * blockDim.x) {
    int64_t rest = idx, off[3] = {0, 0, 0};
#pragma unroll
    for (int d = 3; d >= 0; --d) {
      int64_t i = rest % o.size[d];
      rest /= o.size[d];
#pragma unroll
      for (int v = 0; v < 3; ++v) off[v] += i * o.stride[v][d];
    }
    float x[2] = {0.f, 0.f};
#pragma unroll
    for (int v = 0; v < kInputs; ++v) x[v] = load(o.in[v], o.type[v + 1], off[v + 1]);
    store(o.out, o.type[0], off[0], compute<kInputs>(o.op, o, x));
  }
}

// All views dense and alike: eight elements per 16-byte access, two accesses in flight per
// thread, and the op a compile-time constant (one instantiation per op, no switch per element).
template <int kInputs, int kOp>
__global__ void dense_kernel(Operands o, int64_t n8) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t g = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; g < n8; g += 2 * step) {
    const bool second = g + step < n8;
    float x[2][kInputs][8], y[8];
#pragma unroll
    for (int v = 0; v < kInputs; ++v) {
      const int64_t period = o.period[v];
      load8(o.in[v], o.type[v + 1], period ? g * 8 % period : g * 8, x[0][v]);
      if (second) load8(o.in[v], o.type[v + 1], period ? (g + step) * 8 % period : (g + step) * 8, x[1][v]);
    }
#pragma unroll
    for (int u = 0; u < 2; ++u) {
      if (u == 1 && !second) break;
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        float args[2] = {x[u][0][j], x[u][kInputs - 1][j]};
        y[j] = compute<kInputs>(kOp, o, args);
      }
      store8(o.out, o.type[0], (g + u * step) * 8, y);
    }
  }
}

template <int kInputs, int... kOps>
void launch_dense(int op, unsigned blocks, int threads, cudaStream_t stream, const Operands& o, int64_t n8,
                  std::integer_sequence<int, kOps...>) {
  ((op == kOps ? (dense_kernel<kInputs, kOps><<<blocks, threads, 0, stream>>>(o, n8), 0) : 0), ...);
}

template <int kInputs, int kOps>
void launch(DeviceContext& ctx, const Extent& e, const OutView& out, const InView* in, int op, float alpha) {
  int64_t n = e[0] * e[1] * e[2] * e[3];
  if (n == 0) return;
  Operands o{};
  for (int d = 0; d < 4; ++d) {
    if (e[d] <= 0) raise_error("elementwise: extent[" + std::to_string(d) + "] = " + std::to_string(e[d]) + " is not positive");
    o.size[d] = e[d];
    o.stride[0][d] = out.stride[d];
    for (int v = 0; v < kInputs; ++v) o.stride[v + 1][d] = in[v].stride[d];
  }
  o.out = out.data;
  o.type[0] = out.dtype;
  for (int v = 0; v < kInputs; ++v) o.in[v] = in[v].data, o.type[v + 1] = in[v].dtype;
  o.op = op;
  o.alpha = alpha;

  // The 16-byte kernel takes dense views, and inputs that repeat one row of a multiple of 8.
  bool fast = n % 8 == 0 && walks_densely(out.stride, e) && aligned16(out.data);
  for (int v = 0; v < kInputs; ++v) {
    const bool dense = walks_densely(in[v].stride, e);
    const bool row = !dense && repeats_one_row(in[v].stride, e) && e[3] % 8 == 0;
    o.period[v] = row ? e[3] : 0;
    fast = fast && (dense || row) && aligned16(in[v].data);
  }
  constexpr int kThreads = 256;
  if (fast) {
    launch_dense<kInputs>(op, blocks_for((n / 8 + 1) / 2, kThreads), kThreads, ctx.stream(), o, n / 8,
                          std::make_integer_sequence<int, kOps>());
    check_launch("elementwise dense_kernel");
  } else {
    strided_kernel<kInputs><<<blocks_for(n, kThreads), kThreads, 0, ctx.stream()>>>(o, n);
    check_launch("elementwise strided_kernel");
  }
}

}  // namespace

void unary(DeviceContext& ctx, UnaryOp op, float alpha, const Extent& extent, const InView& in, const OutView& out) {
  // fill reads nothing useful; pointing its input at the output keeps the kernels branch-free.
  InView source = op == UnaryOp::fill ? InView{out.data, out.dtype, out.stride} : in;
  launch<1, int(UnaryOp::fill) + 1>(ctx, extent, out, &source, int(op), alpha);
}

void binary(DeviceContext& ctx, BinaryOp op, const Extent& extent, const InView& a, const InView& b,
            const OutView& out, float alpha) {
  InView in[2] = {a, b};
  launch<2, int(BinaryOp::clamp_min_backward) + 1>(ctx, extent, out, in, int(op), alpha);
}

void convert(DeviceContext& ctx, int64_t n, const void* in, DType in_type, void* out, DType out_type) {
  Extent e{1, 1, 1, n};
  unary(ctx, UnaryOp::copy, 0.f, e, {in, in_type, dense_strides(e)}, {out, out_type, dense_strides(e)});
}

}  // namespace longnet::cuda
