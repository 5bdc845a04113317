// The blocked CPU path against the f64 reference on many geometries, and its backward against
// central differences.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "attention/gradient_check.h"
#include "attention/runs.h"
#include "attention/specs.h"

namespace longnet::attention {
namespace {

using namespace testing;

struct Case {
  std::string name;
  Spec spec;
  Problem problem;
  bool fused_qkv = false;
};

Problem window(int64_t heads, int64_t dim, int64_t n, int64_t q_start, int64_t q_len, int64_t kv_start,
               int64_t kv_len) {
  return {.batch = 2, .heads = heads, .head_dim = dim, .seq_len = n, .q_start = q_start, .q_len = q_len,
          .kv_start = kv_start, .kv_len = kv_len};
}

constexpr auto kInterleaved = HeadOffsets::interleaved;
constexpr auto kBlocked = HeadOffsets::blocked;

// N runs past several query tiles (64) and key blocks (64, or fewer with XPOS and dilation).
std::vector<Case> cases() {
  return {
      {"dense_causal", dense(true), whole(2, 2, 8, 150)},
      {"dense_noncausal_xpos", dense(false, 32), whole(1, 2, 6, 150)},
      {"dense_causal_xpos_dh64", dense(true, 64), whole(1, 1, 64, 70)},
      {"dense_causal_xpos_dh128", dense(true, 64), whole(1, 1, 128, 70), true},
      {"dense_odd_dim_no_xpos", dense(true), whole(1, 2, 5, 90)},
      {"dilated_three_patterns_interleaved", dilated({{16, 1}, {32, 2}, {64, 4}}, true, kInterleaved, 16),
       whole(2, 3, 8, 150)},
      {"dilated_three_patterns_blocked", dilated({{16, 1}, {32, 2}, {64, 4}}, true, kBlocked, 16),
       whole(2, 3, 8, 150)},
      {"dilated_w_beyond_n_r_beyond_h", dilated({{256, 2}, {512, 8}}, true, kBlocked, 8), whole(1, 3, 6, 100)},
      {"dilated_w_beyond_n_r_beyond_h_interleaved", dilated({{256, 2}, {512, 8}}, true, kInterleaved, 8),
       whole(1, 3, 6, 100)},
      {"dilated_w_over_r_not_integer_noncausal", dilated({{10, 3}, {25, 4}}, false, kInterleaved, 0),
       whole(2, 3, 8, 101)},
      {"dilated_w_over_r_not_integer_noncausal_xpos", dilated({{10, 3}, {25, 4}}, false, kBlocked, 64),
       whole(1, 5, 6, 101)},
      {"dilated_one_pattern", dilated({{16, 1}}, true, kInterleaved, 16), whole(1, 2, 8, 100)},
      {"dilated_no_r1_rows_without_keys", dilated({{16, 2}, {40, 4}}, true, kInterleaved, 16),
       whole(2, 3, 8, 100)},
      {"dilated_large_r_small_key_blocks", dilated({{200, 16}, {300, 40}}, true, kInterleaved, 4),
       whole(1, 2, 6, 300)},
      {"dilated_r_beyond_w_heads_without_keys", dilated({{4, 8}, {16, 1}}, true, kBlocked, 16),
       whole(1, 8, 4, 40)},
      {"dilated_repeated_pattern", dilated({{32, 2}, {32, 2}}, true, kInterleaved, 0), whole(1, 2, 8, 80)},
      {"dilated_fused_qkv", dilated({{32, 1}, {64, 4}}, true, kInterleaved, 16), whole(2, 4, 8, 130), true},
      {"dilated_dh64", dilated({{32, 1}, {64, 2}}, true, kInterleaved, 512), whole(1, 2, 64, 90)},
      {"sparse_causal", sparse(16, 4, true, 16), whole(2, 5, 6, 150)},
      {"sparse_noncausal", sparse(16, 4, false, 0), whole(1, 5, 6, 150)},
      {"sparse_summary_not_dividing_block", sparse(10, 3, true, 16), whole(1, 4, 6, 77)},
      {"sparse_partial_last_block", sparse(32, 8, true, 32), whole(1, 3, 8, 90), true},
      {"window_dilated", dilated({{16, 1}, {64, 4}}, true, kInterleaved, 16), window(3, 8, 200, 70, 90, 20, 150)},
      {"window_dilated_noncausal", dilated({{16, 1}, {64, 4}}, false, kBlocked, 16),
       window(3, 8, 200, 10, 60, 40, 100)},
      {"window_dense_kv_after_q", dense(true, 16), window(2, 6, 200, 0, 100, 60, 140)},
      {"window_sparse", sparse(16, 4, true, 16), window(4, 6, 200, 120, 80, 0, 130)},
  };
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class CpuMatchesReference : public ::testing::TestWithParam<Case> {};


// -inf exactly where the reference has it; elsewhere within a relative tolerance.
void expect_same_lse(const std::vector<double>& got, const std::vector<double>& want, double tolerance) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isinf(want[i])) {
      ASSERT_EQ(got[i], want[i]) << "row " << i;
    } else {
      ASSERT_NEAR(got[i], want[i], tolerance * (1 + std::abs(want[i]))) << "row " << i;
    }
  }
}

TEST_P(CpuMatchesReference, ForwardAndBackwardInDouble) {
  const Case& c = GetParam();
  const Problem& p = c.problem;
  std::mt19937_64 rng(std::hash<std::string>{}(c.name));
  const auto x = random_qkv<double>(p, rng, c.fused_qkv);
  const auto d_o = random_like_output(p, rng);

  const auto want = reference_forward(c.spec, p, x);
  const auto got = cpu_forward(c.spec, p, x);
  EXPECT_LT(max_abs_diff(got.o, want.o), 1e-11);
  expect_same_lse(got.lse, want.lse, 1e-11);

  const auto want_grad = reference_backward(c.spec, p, x, d_o);
  const auto got_grad = cpu_backward(c.spec, p, x, got, d_o);
  EXPECT_LT(max_abs_diff(got_grad.dq, want_grad.dq), 1e-10);
  EXPECT_LT(max_abs_diff(got_grad.dk, want_grad.dk), 1e-10);
  EXPECT_LT(max_abs_diff(got_grad.dv, want_grad.dv), 1e-10);
}

TEST_P(CpuMatchesReference, ForwardInFloat) {
  const Case& c = GetParam();
  const Problem& p = c.problem;
  std::mt19937_64 rng(std::hash<std::string>{}(c.name) + 1);
  const auto x = random_qkv<double>(p, rng, false);
  const Qkv<float> xf{convert<float>(x.q), convert<float>(x.k), convert<float>(x.v)};
  const auto want = reference_forward(c.spec, p, x);
  const auto got = cpu_forward(c.spec, p, xf);
  EXPECT_LT(max_abs_diff(got.o, want.o), 2e-5);
  expect_same_lse(std::vector<double>(got.lse.begin(), got.lse.end()), want.lse, 2e-5);
}

INSTANTIATE_TEST_SUITE_P(Geometries, CpuMatchesReference, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

// Random inputs and dO, then the CPU forward and backward.
struct CpuRun {
  Qkv<double> x;
  Tensor<double> d_o;
  Forward<double> f;
  Grads<double> g;
};

CpuRun run_cpu(const Spec& spec, const Problem& p, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto x = random_qkv<double>(p, rng, false);
  auto d_o = random_like_output(p, rng);
  auto f = cpu_forward(spec, p, x);
  auto g = cpu_backward(spec, p, x, f, d_o);
  return {std::move(x), std::move(d_o), std::move(f), std::move(g)};
}

TEST(CpuAttention, RowsThatNoPatternSelectsGetZeroOutputMinusInfLseAndZeroGradient) {
  // Dilations 2 and 4 only: with interleaved offsets head 1 reads odd positions, so even query
  // positions of head 1 are selected by no pattern.
  const Spec spec = dilated({{16, 2}, {32, 4}}, true, kInterleaved, 16);
  const auto [x, d_o, f, g] = run_cpu(spec, whole(1, 2, 6, 40), 11);
  for (int64_t i = 0; i < 40; i += 2) {
    EXPECT_EQ(f.lse[1 * 40 + i], -INFINITY) << "position " << i;
    for (int64_t d = 0; d < 6; ++d) {
      EXPECT_EQ(f.o.at(0, i, 1, d), 0.0);
      EXPECT_EQ(g.dq.at(0, i, 1, d), 0.0);
      EXPECT_EQ(g.dk.at(0, i, 1, d), 0.0);  // nor is it a key of any selected query
    }
  }
  EXPECT_TRUE(std::isfinite(f.lse[1 * 40 + 1]));
  for (const auto* t : {&f.o, &g.dq, &g.dk, &g.dv}) {
    t->for_each([](double& v) { ASSERT_FALSE(std::isnan(v)); });
  }
}

TEST(CpuAttention, EmptyKvWindowGivesEveryRowNoKeys) {
  const Problem p{.batch = 1, .heads = 2, .head_dim = 4, .seq_len = 50, .q_start = 10, .q_len = 20,
                  .kv_start = 30, .kv_len = 0};
  const auto [x, d_o, f, g] = run_cpu(dense(false, 16), p, 16);
  for (double l : f.lse) EXPECT_EQ(l, -INFINITY);
  f.o.for_each([](double& v) { EXPECT_EQ(v, 0.0); });
  g.dq.for_each([](double& v) { EXPECT_EQ(v, 0.0); });
}

TEST(CpuAttention, BackwardAccumulatesWhenAsked) {
  const Spec spec = dilated({{16, 1}, {32, 2}}, true, kInterleaved, 16);
  const Problem p = whole(1, 2, 6, 70);
  const auto [x, d_o, f, once] = run_cpu(spec, p, 12);
  Grads<double> twice = cpu_backward(spec, p, x, f, d_o);
  attention_backward_cpu<double>(spec, p, x.q.view, x.k.view, x.v.view, f.o.view,
                                 f.lse.data(), d_o.view, twice.dq.view, twice.dk.view,
                                 twice.dv.view, /*accumulate=*/true);
  for (auto [a, b] : {std::pair{&once.dq, &twice.dq}, std::pair{&once.dk, &twice.dk}, std::pair{&once.dv, &twice.dv}}) {
    for (int64_t n = 0; n < a->len; ++n)
      for (int64_t d = 0; d < 6; ++d) EXPECT_NEAR(2 * a->at(0, n, 1, d), b->at(0, n, 1, d), 1e-12);
  }
}

// The blocked backward against central differences of its own forward (f64, small sizes).
void check_cpu_gradient(const Spec& spec, const Problem& p, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto x = random_qkv<double>(p, rng, false);
  const auto w = random_like_output(p, rng);
  const auto g = cpu_backward(spec, p, x, cpu_forward(spec, p, x), w);
  expect_central_differences(x, w, [&](const Qkv<double>& at) { return cpu_forward(spec, p, at); }, g, 1e-7);
}

TEST(CpuAttentionGradient, DilatedWithRepeatedKeysAndXposMatchesCentralDifferences) {
  check_cpu_gradient(dilated({{4, 1}, {8, 2}, {32, 3}}, true, kBlocked, 4), whole(2, 3, 4, 21), 13);
}

TEST(CpuAttentionGradient, SparseNonCausalInWindowsMatchesCentralDifferences) {
  check_cpu_gradient(sparse(4, 2, false, 8), window(2, 4, 24, 3, 10, 5, 16), 14);
}

TEST(CpuAttentionGradient, DenseCausalAcrossKeyBlocksMatchesCentralDifferences) {
  // 70 positions: two query tiles and two key blocks.
  check_cpu_gradient(dense(true, 16), whole(1, 1, 2, 70), 15);
}

}  // namespace
}  // namespace longnet::attention
