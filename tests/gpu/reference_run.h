#pragma once
// The f64 reference (tests/attention/reference.h) on the same bf16 inputs a GPU run gets.
#include <vector>

#include "attention/reference.h"
#include "gpu_attention_run.h"

namespace longnet::attention::testing {

struct Expected {
  std::vector<double> o, lse, dq, dk, dv;
};

inline Expected run_reference(const Spec& spec, const Problem& p, const Inputs& in,
                              bool backward) {
  const std::vector<double> qkv = to_double(in.qkv), d_o = to_double(in.d_o);
  const Operand oq = contiguous(p, p.q_len), okv = contiguous(p, p.kv_len);
  const size_t q_elems = p.batch * p.q_len * p.heads * p.head_dim;
  const size_t kv_elems = p.batch * p.kv_len * p.heads * p.head_dim;
  Expected e;
  e.o.resize(q_elems);
  e.lse.resize(p.batch * p.heads * p.q_len);
  reference::forward(spec, p, in.q.view(qkv.data()), in.k.view(qkv.data()),
                     in.v.view(qkv.data()), oq.view(e.o.data()), e.lse.data());
  if (backward) {
    e.dq.resize(q_elems);
    e.dk.resize(kv_elems);
    e.dv.resize(kv_elems);
    reference::backward(spec, p, in.q.view(qkv.data()), in.k.view(qkv.data()),
                        in.v.view(qkv.data()), in.d_o_at.view(d_o.data()),
                        oq.view(e.dq.data()), okv.view(e.dk.data()), okv.view(e.dv.data()));
  }
  return e;
}

}  // namespace longnet::attention::testing
