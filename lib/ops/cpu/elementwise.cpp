// Element-wise binary (broadcast) and unary maps, and the unary derivatives.
#include <cmath>
#include <numbers>

#include "ops/cpu/cpu_backend.h"
#include "ops/cpu/loops.h"

namespace longnet::ops::cpu {
namespace {

template <class T, class F>
void binary_loop(const Tensor& a, const Tensor& b, const Tensor& out, F f) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  for_each_row<3>(out.shape(), {out.strides(), a.strides(), b.strides()},
                  [&](const auto& off, int64_t n, const auto& st) {
                    T* o = po + off[0];
                    const T* x = pa + off[1];
                    const T* y = pb + off[2];
                    if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
                      for (int64_t k = 0; k < n; ++k) o[k] = f(x[k], y[k]);
                    } else {
                      for (int64_t k = 0; k < n; ++k) o[k * st[0]] = f(x[k * st[1]], y[k * st[2]]);
                    }
                  });
}

// out[i] = f(in...[i]) over contiguous buffers of n elements.
template <class F>
void map_contiguous(int64_t n, F f) {
  parallel_for(n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) f(i);
  });
}

template <class T>
T gelu_erf(T x) {
  return T(0.5) * x * (T(1) + std::erf(x * T(std::numbers::sqrt2 / 2)));
}
template <class T>
T gelu_erf_derivative(T x) {
  const T cdf = T(0.5) * (T(1) + std::erf(x * T(std::numbers::sqrt2 / 2)));
  const T pdf = std::exp(T(-0.5) * x * x) * T(std::numbers::inv_sqrtpi / std::numbers::sqrt2);
  return cdf + x * pdf;
}
constexpr double kGeluTanhCubic = 0.044715;
template <class T>
T gelu_tanh(T x) {
  const T u = T(std::numbers::sqrt2 * std::numbers::inv_sqrtpi) * (x + T(kGeluTanhCubic) * x * x * x);
  return T(0.5) * x * (T(1) + std::tanh(u));
}
template <class T>
T gelu_tanh_derivative(T x) {
  const T c = T(std::numbers::sqrt2 * std::numbers::inv_sqrtpi);
  const T t = std::tanh(c * (x + T(kGeluTanhCubic) * x * x * x));
  return T(0.5) * (T(1) + t) +
         T(0.5) * x * (T(1) - t * t) * c * (T(1) + T(3 * kGeluTanhCubic) * x * x);
}

}  // namespace

void CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  visit_floating(out.dtype(), "binary op", [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
      case BinaryOp::add: return binary_loop<T>(a, b, out, [](T x, T y) { return x + y; });
      case BinaryOp::sub: return binary_loop<T>(a, b, out, [](T x, T y) { return x - y; });
      case BinaryOp::mul: return binary_loop<T>(a, b, out, [](T x, T y) { return x * y; });
      case BinaryOp::div: return binary_loop<T>(a, b, out, [](T x, T y) { return x / y; });
    }
  });
}

void CpuBackend::unary(UnaryOp op, const Tensor& x, double scalar, const Tensor& out) {
  visit_floating(out.dtype(), "unary op", [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data<T>();
    T* o = out.data<T>();
    const T s = T(scalar);
    const int64_t n = x.numel();
    switch (op) {
      case UnaryOp::neg: return map_contiguous(n, [&](int64_t i) { o[i] = -in[i]; });
      case UnaryOp::exp: return map_contiguous(n, [&](int64_t i) { o[i] = std::exp(in[i]); });
      case UnaryOp::log: return map_contiguous(n, [&](int64_t i) { o[i] = std::log(in[i]); });
      case UnaryOp::tanh: return map_contiguous(n, [&](int64_t i) { o[i] = std::tanh(in[i]); });
      case UnaryOp::gelu_erf: return map_contiguous(n, [&](int64_t i) { o[i] = gelu_erf(in[i]); });
      case UnaryOp::gelu_tanh:
        return map_contiguous(n, [&](int64_t i) { o[i] = gelu_tanh(in[i]); });
      case UnaryOp::sqrt: return map_contiguous(n, [&](int64_t i) { o[i] = std::sqrt(in[i]); });
      case UnaryOp::rsqrt:
        return map_contiguous(n, [&](int64_t i) { o[i] = T(1) / std::sqrt(in[i]); });
      case UnaryOp::pow: return map_contiguous(n, [&](int64_t i) { o[i] = std::pow(in[i], s); });
      case UnaryOp::add_scalar: return map_contiguous(n, [&](int64_t i) { o[i] = in[i] + s; });
      case UnaryOp::mul_scalar: return map_contiguous(n, [&](int64_t i) { o[i] = in[i] * s; });
      case UnaryOp::clamp_min:
        return map_contiguous(n, [&](int64_t i) { o[i] = in[i] < s ? s : in[i]; });
    }
  });
}

void CpuBackend::unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, double scalar,
                                const Tensor& grad_y, const Tensor& grad_x) {
  visit_floating(grad_y.dtype(), "unary op backward", [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.defined() ? x.data<T>() : nullptr;
    const T* out = y.defined() ? y.data<T>() : nullptr;
    const T* g = grad_y.data<T>();
    T* gx = grad_x.data<T>();
    const T s = T(scalar);
    const int64_t n = grad_y.numel();
    auto map = [&](auto derivative) {
      map_contiguous(n, [&](int64_t i) { gx[i] = g[i] * derivative(i); });
    };
    switch (op) {
      case UnaryOp::neg: return map([](int64_t) { return T(-1); });
      case UnaryOp::exp: return map([&](int64_t i) { return out[i]; });
      case UnaryOp::log: return map([&](int64_t i) { return T(1) / in[i]; });
      case UnaryOp::tanh: return map([&](int64_t i) { return T(1) - out[i] * out[i]; });
      case UnaryOp::gelu_erf: return map([&](int64_t i) { return gelu_erf_derivative(in[i]); });
      case UnaryOp::gelu_tanh: return map([&](int64_t i) { return gelu_tanh_derivative(in[i]); });
      case UnaryOp::sqrt: return map([&](int64_t i) { return T(0.5) / out[i]; });
      case UnaryOp::rsqrt: return map([&](int64_t i) { return T(-0.5) * out[i] * out[i] * out[i]; });
      case UnaryOp::pow: return map([&](int64_t i) { return s * std::pow(in[i], s - T(1)); });
      case UnaryOp::add_scalar: return map([](int64_t) { return T(1); });
      case UnaryOp::mul_scalar: return map([&](int64_t) { return s; });
      case UnaryOp::clamp_min: return map([&](int64_t i) { return in[i] < s ? T(0) : T(1); });
    }
  });
}

}  // namespace longnet::ops::cpu
