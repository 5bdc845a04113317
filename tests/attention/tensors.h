#pragma once
// Test helpers: [batch, position, head, dim] buffers behind Bnhd views, contiguous or as slices
// of one fused QKV buffer, filled with fresh random values.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "attention/spec.h"

namespace longnet::attention::testing {

template <class T>
struct Tensor {
  std::shared_ptr<std::vector<T>> storage;
  Bnhd<T> view;
  int64_t batch, len, heads, dim;

  T& at(int64_t b, int64_t n, int64_t h, int64_t d) const {
    return view.row(b, n, h)[d];
  }
  template <class F>
  void for_each(F f) const {
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t n = 0; n < len; ++n)
        for (int64_t h = 0; h < heads; ++h)
          for (int64_t d = 0; d < dim; ++d) f(at(b, n, h, d));
  }
};

template <class T>
Tensor<T> zeros(int64_t batch, int64_t len, int64_t heads, int64_t dim) {
  auto storage = std::make_shared<std::vector<T>>(batch * len * heads * dim, T(0));
  return {storage, {storage->data(), len * heads * dim, heads * dim, dim}, batch, len, heads, dim};
}

template <class T>
void fill_normal(Tensor<T>& t, std::mt19937_64& rng, double sd = 1.0) {
  std::normal_distribution<double> dist(0.0, sd);
  t.for_each([&](T& x) { x = static_cast<T>(dist(rng)); });
}

// Converts to another element type, contiguous.
template <class U, class T>
Tensor<U> convert(const Tensor<T>& t) {
  Tensor<U> out = zeros<U>(t.batch, t.len, t.heads, t.dim);
  for (int64_t b = 0; b < t.batch; ++b)
    for (int64_t n = 0; n < t.len; ++n)
      for (int64_t h = 0; h < t.heads; ++h)
        for (int64_t d = 0; d < t.dim; ++d) out.at(b, n, h, d) = static_cast<U>(t.at(b, n, h, d));
  return out;
}

// Q, K, V of a problem, optionally as the three slices of one [batch, len, 3, heads, dim] buffer
// (the layout a fused QKV projection writes), so rows are strided. Q has q_len rows, K/V kv_len.
template <class T>
struct Qkv {
  Tensor<T> q, k, v;
};

template <class T>
Qkv<T> random_qkv(const Problem& p, std::mt19937_64& rng, bool fused) {
  Qkv<T> x;
  if (!fused || p.q_len != p.kv_len) {
    x = {zeros<T>(p.batch, p.q_len, p.heads, p.head_dim), zeros<T>(p.batch, p.kv_len, p.heads, p.head_dim),
         zeros<T>(p.batch, p.kv_len, p.heads, p.head_dim)};
  } else {
    const int64_t hd = p.heads * p.head_dim;
    auto storage = std::make_shared<std::vector<T>>(p.batch * p.q_len * 3 * hd, T(0));
    auto slice = [&](int64_t which) {
      return Tensor<T>{storage, {storage->data() + which * hd, p.q_len * 3 * hd, 3 * hd, p.head_dim},
                       p.batch, p.q_len, p.heads, p.head_dim};
    };
    x = {slice(0), slice(1), slice(2)};
  }
  fill_normal(x.q, rng);
  fill_normal(x.k, rng);
  fill_normal(x.v, rng);
  return x;
}

// The largest |a - b| over two tensors of one shape.
template <class A, class B>
double max_abs_diff(const Tensor<A>& a, const Tensor<B>& b) {
  double worst = 0;
  for (int64_t i = 0; i < a.batch; ++i)
    for (int64_t n = 0; n < a.len; ++n)
      for (int64_t h = 0; h < a.heads; ++h)
        for (int64_t d = 0; d < a.dim; ++d) {
          const double diff = static_cast<double>(a.at(i, n, h, d)) - static_cast<double>(b.at(i, n, h, d));
          if (std::isnan(diff)) return std::numeric_limits<double>::infinity();
          worst = std::max(worst, std::abs(diff));
        }
  return worst;
}

}  // namespace longnet::attention::testing
