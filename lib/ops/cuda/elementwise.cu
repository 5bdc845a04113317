#include "ops/cuda/elementwise.h"
#include "ops/cuda/kernel_support.cuh"

namespace longnet::cuda {

namespace {

using namespace detail;

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

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
    case UnaryOp::fill: return alpha;
  }
  return x;
}

__device__ __forceinline__ float apply(BinaryOp op, float a, float b) {
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
};

template <int kInputs>
__device__ __forceinline__ float compute(const Operands& o, const float (&x)[2]) {
  if constexpr (kInputs == 1)
    return apply(UnaryOp(o.op), x[0], o.alpha);
  else
    return apply(BinaryOp(o.op), x[0], x[1]);
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
    store(o.out, o.type[0], off[0], compute<kInputs>(o, x));
  }
}

// All views dense and alike: eight elements per thread with 16-byte accesses.
template <int kInputs>
__global__ void dense_kernel(Operands o, int64_t n8) {
  for (int64_t g = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; g < n8; g += int64_t(gridDim.x) * blockDim.x) {
    float x[kInputs][8], y[8];
#pragma unroll
    for (int v = 0; v < kInputs; ++v) load8(o.in[v], o.type[v + 1], g * 8, x[v]);
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      float args[2] = {x[0][j], x[kInputs - 1][j]};
      y[j] = compute<kInputs>(o, args);
    }
    store8(o.out, o.type[0], g * 8, y);
  }
}

template <int kInputs>
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

  Strides dense = dense_strides(e);
  bool fast = n % 8 == 0 && out.stride == dense && aligned16(out.data);
  for (int v = 0; v < kInputs; ++v)
    fast = fast && in[v].stride == dense &&
           aligned16(in[v].data);
  constexpr int kThreads = 256;
  if (fast) {
    dense_kernel<kInputs><<<blocks_for(n / 8, kThreads), kThreads, 0, ctx.stream()>>>(o, n / 8);
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
  launch<1>(ctx, extent, out, &source, int(op), alpha);
}

void binary(DeviceContext& ctx, BinaryOp op, const Extent& extent, const InView& a, const InView& b,
            const OutView& out) {
  InView in[2] = {a, b};
  launch<2>(ctx, extent, out, in, int(op), 0.f);
}

void convert(DeviceContext& ctx, int64_t n, const void* in, DType in_type, void* out, DType out_type) {
  Extent e{1, 1, 1, n};
  unary(ctx, UnaryOp::copy, 0.f, e, {in, in_type, dense_strides(e)}, {out, out_type, dense_strides(e)});
}

}  // namespace longnet::cuda
