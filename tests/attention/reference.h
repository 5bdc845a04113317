#pragma once
// The oracle for every attention path: a naive O(N^2) evaluation in f64 of DESIGN.md section 3,
// written straight from the definition. For each (query i, key j) it asks key_multiplicity() how
// often the key is given, scores q.k/sqrt(Dh) with the XPOS decay z_j^((i-j)/scale_base) taken
// per dim pair directly, and takes ONE softmax over the multiset. Windows of Problem apply: rows
// of Q/O/dQ are positions [q_start, q_start+q_len), rows of K/V/dK/dV [kv_start, kv_start+kv_len),
// and only keys inside the kv window count. lse is [batch, head, q_len]; a row with no keys gets
// O = 0 and lse = -inf.
#include "attention/spec.h"

namespace longnet::attention::reference {

void forward(const Spec& spec, const Problem& problem, Bnhd<const double> q, Bnhd<const double> k,
             Bnhd<const double> v, Bnhd<double> o, double* lse);

// The exact gradient of sum(O * dO) with respect to q, k and v (overwrites dq, dk, dv).
void backward(const Spec& spec, const Problem& problem, Bnhd<const double> q,
              Bnhd<const double> k, Bnhd<const double> v, Bnhd<const double> d_o,
              Bnhd<double> dq, Bnhd<double> dk, Bnhd<double> dv);

}  // namespace longnet::attention::reference
