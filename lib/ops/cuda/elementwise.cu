#include "ops/cuda/elementwise.h"
#include "ops/cuda/kernel_support.cuh"

#include <utility>

namespace longnet::cuda {

namespace {

using namespace detail;

// The kernels' arithmetic is T = float (f32/bf16 operands) or double (any f64 operand); one
// template serves both, the math functions resolving to their fp32 or fp64 overloads.
template <class T> constexpr T kInvSqrt2 = T(0.70710678118654752440);
template <class T> constexpr T kInvSqrt2Pi = T(0.39894228040143267794);
template <class T> constexpr T kSqrt2OverPi = T(0.79788456080286535588);
template <class T> constexpr T kGeluTanhCubic = T(0.044715);

template <class T>
__device__ __forceinline__ T gelu_tanh(T x) {
  return T(0.5) * x * (T(1) + tanh(kSqrt2OverPi<T> * (x + kGeluTanhCubic<T> * x * x * x)));
}

template <class T>
__device__ __forceinline__ T gelu_tanh_derivative(T x) {
  T t = tanh(kSqrt2OverPi<T> * (x + kGeluTanhCubic<T> * x * x * x));
  return T(0.5) * (T(1) + t) +
         T(0.5) * x * (T(1) - t * t) * kSqrt2OverPi<T> * (T(1) + T(3) * kGeluTanhCubic<T> * x * x);
}

template <class T>
__device__ __forceinline__ T apply(UnaryOp op, T x, T alpha) {
  switch (op) {
    case UnaryOp::copy: return x;
    case UnaryOp::neg: return -x;
    case UnaryOp::scale: return alpha * x;
    case UnaryOp::add_scalar: return x + alpha;
    case UnaryOp::exp: return exp(x);
    case UnaryOp::log: return log(x);
    case UnaryOp::tanh: return tanh(x);
    case UnaryOp::sqrt: return sqrt(x);
    case UnaryOp::rsqrt: return rsqrt(x);
    case UnaryOp::square: return x * x;
    case UnaryOp::reciprocal: return T(1) / x;
    case UnaryOp::abs: return fabs(x);
    case UnaryOp::relu: return x > T(0) ? x : T(0);
    case UnaryOp::gelu: return T(0.5) * x * (T(1) + erf(x * kInvSqrt2<T>));
    case UnaryOp::gelu_tanh: return gelu_tanh(x);
    case UnaryOp::pow: return pow(x, alpha);
    case UnaryOp::fill: return alpha;
  }
  return x;
}

template <class T>
__device__ __forceinline__ T apply(BinaryOp op, T a, T b, T alpha) {
  switch (op) {
    case BinaryOp::add: return a + b;
    case BinaryOp::sub: return a - b;
    case BinaryOp::mul: return a * b;
    case BinaryOp::div: return a / b;
    case BinaryOp::max: return max_nan(a, b);
    case BinaryOp::min: return (a < b || a != a) ? a : b;
    case BinaryOp::gelu_backward: {
      T cdf = T(0.5) * (T(1) + erf(a * kInvSqrt2<T>));
      T pdf = kInvSqrt2Pi<T> * exp(T(-0.5) * a * a);
      return b * (cdf + a * pdf);
    }
    case BinaryOp::gelu_tanh_backward: return b * gelu_tanh_derivative(a);
    case BinaryOp::pow_backward: return b * (alpha * pow(a, alpha - T(1)));
    case BinaryOp::clamp_min_backward: return b * (a < alpha ? T(0) : T(1));
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
  double alpha;  // converted to the kernel's arithmetic type
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

template <int kInputs, class T>
__device__ __forceinline__ T compute(int op, const Operands& o, const T (&x)[2]) {
  if constexpr (kInputs == 1)
    return apply(UnaryOp(op), x[0], T(o.alpha));
  else
    return apply(BinaryOp(op), x[0], x[1], T(o.alpha));
}

// Any strides, any storage types; T is the arithmetic type.
template <int kInputs, class T>
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
    T x[2] = {T(0), T(0)};
#pragma unroll
    for (int v = 0; v < kInputs; ++v) x[v] = load<T>(o.in[v], o.type[v + 1], off[v + 1]);
    store(o.out, o.type[0], off[0], compute<kInputs, T>(o.op, o, x));
  }
}

// All views dense and alike, f32/bf16 only (f64 takes the strided kernel: it is the oracle dtype,
// not a training one): eight elements per 16-byte access, two accesses in flight per thread, and
// the op a compile-time constant (one instantiation per op, no switch per element).
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
        y[j] = compute<kInputs, float>(kOp, o, args);
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
void launch(DeviceContext& ctx, const Extent& e, const OutView& out, const InView* in, int op, double alpha) {
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
  bool fast = n % 8 == 0 && walks_densely(out.stride, e) && aligned16(out.data) && out.dtype != DType::f64;
  for (int v = 0; v < kInputs; ++v) {
    const bool dense = walks_densely(in[v].stride, e);
    const bool row = !dense && repeats_one_row(in[v].stride, e) && e[3] % 8 == 0;
    o.period[v] = row ? e[3] : 0;
    fast = fast && (dense || row) && aligned16(in[v].data) && in[v].dtype != DType::f64;
  }
  constexpr int kThreads = 256;
  if (fast) {
    launch_dense<kInputs>(op, blocks_for((n / 8 + 1) / 2, kThreads), kThreads, ctx.stream(), o, n / 8,
                          std::make_integer_sequence<int, kOps>());
    check_launch("elementwise dense_kernel");
  } else {
    with_math_type({out.dtype, in[0].dtype, in[kInputs - 1].dtype}, [&](auto math) {
      strided_kernel<kInputs, decltype(math)><<<blocks_for(n, kThreads), kThreads, 0, ctx.stream()>>>(o, n);
    });
    check_launch("elementwise strided_kernel");
  }
}

}  // namespace

void unary(DeviceContext& ctx, UnaryOp op, double alpha, const Extent& extent, const InView& in, const OutView& out) {
  // fill reads nothing useful; pointing its input at the output keeps the kernels branch-free.
  InView source = op == UnaryOp::fill ? InView{out.data, out.dtype, out.stride} : in;
  launch<1, int(UnaryOp::fill) + 1>(ctx, extent, out, &source, int(op), alpha);
}

void binary(DeviceContext& ctx, BinaryOp op, const Extent& extent, const InView& a, const InView& b,
            const OutView& out, double alpha) {
  InView in[2] = {a, b};
  launch<2, int(BinaryOp::clamp_min_backward) + 1>(ctx, extent, out, in, int(op), alpha);
}

void convert(DeviceContext& ctx, int64_t n, const void* in, DType in_type, void* out, DType out_type) {
  Extent e{1, 1, 1, n};
  unary(ctx, UnaryOp::copy, 0, e, {in, in_type, dense_strides(e)}, {out, out_type, dense_strides(e)});
}

}  // namespace longnet::cuda
