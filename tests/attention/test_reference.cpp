// The f64 oracle against hand-computed values, against the DESIGN's per-pattern merge, and its
// backward against central differences.
#include <gtest/gtest.h>

#include <cmath>

#include "attention/gradient_check.h"

namespace longnet::attention {
namespace {

using Result = testing::Forward<double>;
using testing::reference_forward;

Problem whole(int64_t batch, int64_t heads, int64_t dim, int64_t n) {
  return {.batch = batch, .heads = heads, .head_dim = dim, .seq_len = n, .q_len = n, .kv_len = n};
}

Spec dilated(std::vector<Pattern> patterns, bool causal = true) {
  Spec s;
  s.patterns = std::move(patterns);
  s.causal = causal;
  return s;
}

TEST(Reference, TwoKeysWithXposMatchHandComputedSoftmax) {
  // Dh = 2, one dim pair with z = 0.4/1.4; query at 1 sees keys 0 (distance 1) and 1.
  Spec spec;
  spec.kind = Kind::dense;
  spec.xpos_scale_base = 4;
  const Problem p = whole(1, 1, 2, 2);
  std::mt19937_64 rng(1);
  auto x = testing::random_qkv<double>(p, rng, false);
  const Result r = reference_forward(spec, p, x);
  const double z = 0.4 / 1.4;
  auto dot = [&](int64_t j) { return x.q.at(0, 1, 0, 0) * x.k.at(0, j, 0, 0) + x.q.at(0, 1, 0, 1) * x.k.at(0, j, 0, 1); };
  const double s0 = dot(0) * std::pow(z, 1.0 / 4) / std::sqrt(2.0), s1 = dot(1) / std::sqrt(2.0);
  const double w0 = std::exp(s0) / (std::exp(s0) + std::exp(s1));
  for (int d = 0; d < 2; ++d) {
    EXPECT_NEAR(r.o.at(0, 1, 0, d), w0 * x.v.at(0, 0, 0, d) + (1 - w0) * x.v.at(0, 1, 0, d), 1e-14);
  }
  EXPECT_NEAR(r.lse[1], std::log(std::exp(s0) + std::exp(s1)), 1e-14);
  // Query 0 sees only itself.
  EXPECT_NEAR(r.o.at(0, 0, 0, 1), x.v.at(0, 0, 0, 1), 1e-14);
}

TEST(Reference, ZeroQueriesAverageTheKeyMultisetAndRowsWithoutKeysAreZero) {
  // q = 0 makes every score 0, so O is the multiplicity-weighted mean of the given values and
  // lse = log(number of keys with repeats). Query 6 of head 0 gets {0, 2, 4, 4, 5, 6, 6}.
  const Spec spec = dilated({{4, 1}, {8, 2}});
  const Problem p = whole(1, 2, 3, 10);
  std::mt19937_64 rng(2);
  auto x = testing::random_qkv<double>(p, rng, false);
  x.q.for_each([](double& v) { v = 0; });
  const Result r = reference_forward(spec, p, x);
  for (int d = 0; d < 3; ++d) {
    const double sum = x.v.at(0, 0, 0, d) + x.v.at(0, 2, 0, d) + 2 * x.v.at(0, 4, 0, d) +
                       x.v.at(0, 5, 0, d) + 2 * x.v.at(0, 6, 0, d);
    EXPECT_NEAR(r.o.at(0, 6, 0, d), sum / 7, 1e-14);
  }
  EXPECT_NEAR(r.lse[6], std::log(7.0), 1e-14);
  // Head 1, pattern (8,2) has offset 1 and pattern (4,1) offset 0; with a single pattern (8,2),
  // query 4 of head 1 is not selected.
  const Result single = reference_forward(dilated({{8, 2}}), p, x);
  EXPECT_EQ(single.lse[10 + 4], -INFINITY);
  for (int d = 0; d < 3; ++d) EXPECT_EQ(single.o.at(0, 4, 1, d), 0.0);
}

TEST(Reference, PatternsMergeWithWeightsSoftmaxOfTheirLse) {
  // DESIGN eqs. 9-10: O = sum_i softmax(lse)_i O_i, lse = logsumexp(lse_i), from per-pattern runs.
  const Problem p = whole(2, 3, 4, 21);
  std::mt19937_64 rng(3);
  auto x = testing::random_qkv<double>(p, rng, false);
  const std::vector<Pattern> patterns{{5, 1}, {8, 2}, {16, 4}};
  Spec spec = dilated(patterns);
  spec.xpos_scale_base = 8;
  const Result merged = reference_forward(spec, p, x);
  std::vector<Result> parts;
  for (const Pattern& pat : patterns) {
    Spec one = spec;
    one.patterns = {pat};
    parts.push_back(reference_forward(one, p, x));
  }
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t h = 0; h < 3; ++h)
      for (int64_t n = 0; n < 21; ++n) {
        const int64_t row = (b * 3 + h) * 21 + n;
        double lse = -INFINITY;
        for (const Result& part : parts) {
          if (part.lse[row] > -INFINITY) lse = std::max(lse, part.lse[row]) + std::log1p(std::exp(-std::abs(lse - part.lse[row])));
        }
        ASSERT_NEAR(merged.lse[row], lse, 1e-12);
        for (int64_t d = 0; d < 4; ++d) {
          double o = 0;
          for (const Result& part : parts) {
            if (part.lse[row] > -INFINITY) o += std::exp(part.lse[row] - lse) * part.o.at(b, n, h, d);
          }
          ASSERT_NEAR(merged.o.at(b, n, h, d), o, 1e-12);
        }
      }
}

TEST(Reference, XposDependsOnlyOnDistance) {
  // Dense non-causal over windows: shifting the q and kv windows together changes nothing.
  Spec spec;
  spec.kind = Kind::dense;
  spec.causal = false;
  spec.xpos_scale_base = 16;
  Problem p{.batch = 1, .heads = 2, .head_dim = 6, .seq_len = 200, .q_start = 10, .q_len = 7,
            .kv_start = 5, .kv_len = 12};
  std::mt19937_64 rng(4);
  auto x = testing::random_qkv<double>(p, rng, false);
  const Result a = reference_forward(spec, p, x);
  p.q_start += 150;
  p.kv_start += 150;
  const Result b = reference_forward(spec, p, x);
  EXPECT_LT(testing::max_abs_diff(a.o, b.o), 1e-12);
  spec.xpos_scale_base = 0;
  EXPECT_GT(testing::max_abs_diff(a.o, reference_forward(spec, p, x).o), 1e-3);  // the decay matters
}

// Central differences of L = sum(O * W) in f64 against the reference backward.
void check_reference_gradient(const Spec& spec, const Problem& p, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto x = testing::random_qkv<double>(p, rng, false);
  const auto w = testing::random_like_output(p, rng);
  const auto g = testing::reference_backward(spec, p, x, w);
  testing::expect_central_differences(
      x, w, [&](const testing::Qkv<double>& at) { return reference_forward(spec, p, at); }, g, 1e-7);
}

TEST(ReferenceBackward, MatchesCentralDifferencesForDilatedWithRepeatsAndXpos) {
  Spec spec = dilated({{4, 1}, {6, 2}, {16, 3}});
  spec.xpos_scale_base = 8;
  check_reference_gradient(spec, whole(2, 3, 4, 13), 5);
}

TEST(ReferenceBackward, MatchesCentralDifferencesForNonCausalSparseInWindows) {
  Spec spec;
  spec.kind = Kind::sparse;
  spec.sparse_block = 4;
  spec.sparse_summary = 2;
  spec.causal = false;
  spec.xpos_scale_base = 16;
  check_reference_gradient(spec, {.batch = 1, .heads = 2, .head_dim = 4, .seq_len = 20, .q_start = 3,
                                  .q_len = 9, .kv_start = 2, .kv_len = 15},
                           6);
}

}  // namespace
}  // namespace longnet::attention
