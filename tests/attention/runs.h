#pragma once
// One call of each attention path on test tensors: the CPU path in float or double and the f64
// reference, forward and backward, returning fresh contiguous outputs.
#include <vector>

#include "attention/cpu/attention_cpu.h"
#include "attention/reference.h"
#include "attention/tensors.h"

namespace longnet::attention::testing {

template <class T>
struct Forward {
  Tensor<T> o;
  std::vector<T> lse;
};

template <class T>
struct Grads {
  Tensor<T> dq, dk, dv;
};

template <class T>
Forward<T> empty_forward(const Problem& p) {
  return {zeros<T>(p.batch, p.q_len, p.heads, p.head_dim), std::vector<T>(p.batch * p.heads * p.q_len)};
}

template <class T>
Grads<T> empty_grads(const Problem& p) {
  return {zeros<T>(p.batch, p.q_len, p.heads, p.head_dim), zeros<T>(p.batch, p.kv_len, p.heads, p.head_dim),
          zeros<T>(p.batch, p.kv_len, p.heads, p.head_dim)};
}

// A random tensor shaped like O: a gradient dO, or the weights W of the loss sum(O * W).
inline Tensor<double> random_like_output(const Problem& p, std::mt19937_64& rng) {
  Tensor<double> t = zeros<double>(p.batch, p.q_len, p.heads, p.head_dim);
  fill_normal(t, rng);
  return t;
}

inline Forward<double> reference_forward(const Spec& spec, const Problem& p, const Qkv<double>& x) {
  Forward<double> f = empty_forward<double>(p);
  reference::forward(spec, p, x.q.view, x.k.view, x.v.view, f.o.view, f.lse.data());
  return f;
}

inline Grads<double> reference_backward(const Spec& spec, const Problem& p, const Qkv<double>& x,
                                        const Tensor<double>& d_o) {
  Grads<double> g = empty_grads<double>(p);
  reference::backward(spec, p, x.q.view, x.k.view, x.v.view, d_o.view, g.dq.view,
                      g.dk.view, g.dv.view);
  return g;
}

template <class T>
Forward<T> cpu_forward(const Spec& spec, const Problem& p, const Qkv<T>& x) {
  Forward<T> f = empty_forward<T>(p);
  attention_forward_cpu<T>(spec, p, x.q.view, x.k.view, x.v.view, f.o.view, f.lse.data());
  return f;
}

template <class T>
Grads<T> cpu_backward(const Spec& spec, const Problem& p, const Qkv<T>& x, const Forward<T>& f,
                      const Tensor<T>& d_o) {
  Grads<T> g = empty_grads<T>(p);
  attention_backward_cpu<T>(spec, p, x.q.view, x.k.view, x.v.view, f.o.view, f.lse.data(),
                            d_o.view, g.dq.view, g.dk.view, g.dv.view);
  return g;
}

}  // namespace longnet::attention::testing
