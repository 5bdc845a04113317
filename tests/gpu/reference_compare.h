#pragma once
// The f64 reference on the same bf16 inputs, and the tolerance checks of the GPU tests.
//
// Tolerances (bf16 storage, fp32 accumulation): O within 1e-2 absolute + 1e-2 relative (O is
// a convex mix of unit-variance values; bf16 rounding of O itself is 4e-3 relative); lse within
// 1e-2 absolute (log scale); gradients within 2e-2 of the call's largest gradient magnitude
// + 2e-2 relative (bf16 rounding of dS and of O inside D = rowsum(dO * O) add up over many keys). -inf lse and
// exact zeros of O (rows no pattern selects) must match exactly, and nothing may be NaN. A zero
// gradient may come from cancellation (a query with one key has dQ = 0), so gradient zeros get
// the tolerance; the rows no pattern selects are checked for exact zeros by their own test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "reference_run.h"

namespace longnet::attention::testing {

// Every element within atol + rtol * |want|; infinities of `want` exactly, and its zeros too
// when exact_zeros (forward outputs: a zero there is a row no key reaches); no NaN.
inline void expect_close(const std::string& what, const std::vector<float>& got,
                         const std::vector<double>& want, double atol, double rtol,
                         bool exact_zeros = true) {
  ASSERT_EQ(got.size(), want.size()) << what;
  size_t bad = 0, first = 0;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = want[i];
    bool ok;
    if (std::isinf(w) || (exact_zeros && w == 0)) {
      ok = g == w;
    } else {
      ok = std::isfinite(g) && std::abs(g - w) <= atol + rtol * std::abs(w);
      if (std::isfinite(g)) worst = std::max(worst, std::abs(g - w));
    }
    if (!ok && bad++ == 0) first = i;
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << got.size() << " elements off; first at "
                     << first << " got " << got[first] << " want " << want[first]
                     << "; largest finite error " << worst;
}

inline double max_abs(const std::vector<double>& x) {
  double m = 0;
  for (double v : x) m = std::max(m, std::abs(v));
  return m;
}

inline void expect_forward(const GpuResult& got, const Expected& want) {
  expect_close("O", got.o, want.o, 1e-2, 1e-2);
  expect_close("lse", got.lse, want.lse, 1e-2, 0);
}

// One scale for the three gradients: dQ and dK can be zero up to rounding (a query with a
// single key), dV never cancels.
inline void expect_backward(const GpuResult& got, const Expected& want) {
  const double scale = std::max({max_abs(want.dq), max_abs(want.dk), max_abs(want.dv), 1e-30});
  for (auto [name, g, w] : {std::tuple{"dQ", &got.dq, &want.dq}, {"dK", &got.dk, &want.dk},
                            {"dV", &got.dv, &want.dv}}) {
    expect_close(name, *g, *w, 2e-2 * scale, 2e-2, false);
  }
}

}  // namespace longnet::attention::testing
