#pragma once
// Central differences in f64 of L = sum(O * W) with respect to every element of q, k and v,
// compared with a backward's (dq, dk, dv) computed for dO = W.
#include <gtest/gtest.h>

#include <utility>

#include "attention/runs.h"

namespace longnet::attention::testing {

// forward(x) returns the Forward<double> of the path under test.
template <class ForwardFn>
void expect_central_differences(Qkv<double>& x, const Tensor<double>& w, ForwardFn forward,
                                const Grads<double>& g, double tolerance) {
  auto loss = [&] {
    const Forward<double> f = forward(x);
    double l = 0;
    for (int64_t b = 0; b < w.batch; ++b)
      for (int64_t n = 0; n < w.len; ++n)
        for (int64_t h = 0; h < w.heads; ++h)
          for (int64_t d = 0; d < w.dim; ++d) l += f.o.at(b, n, h, d) * w.at(b, n, h, d);
    return l;
  };
  const double eps = 1e-5;
  for (auto [input, grad, name] : {std::tuple{&x.q, &g.dq, "dq"}, std::tuple{&x.k, &g.dk, "dk"},
                                   std::tuple{&x.v, &g.dv, "dv"}}) {
    for (int64_t b = 0; b < input->batch; ++b)
      for (int64_t n = 0; n < input->len; ++n)
        for (int64_t h = 0; h < input->heads; ++h)
          for (int64_t d = 0; d < input->dim; ++d) {
            double& v = input->at(b, n, h, d);
            const double saved = v;
            v = saved + eps;
            const double up = loss();
            v = saved - eps;
            const double down = loss();
            v = saved;
            ASSERT_NEAR(grad->at(b, n, h, d), (up - down) / (2 * eps), tolerance)
                << name << " at b" << b << " n" << n << " h" << h << " d" << d;
          }
  }
}

}  // namespace longnet::attention::testing
