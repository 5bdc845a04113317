// Softmax cross-entropy: per-row loss, logsumexp and the logits gradient, against fp64.
#include <cmath>

#include "gpu_test_support.h"
#include "ops/cuda/cross_entropy.h"

namespace longnet::cuda::test {
namespace {

struct Case {
  int64_t rows, vocab, pad;
};

void check(DType t, Case c, bool in_place) {
  SCOPED_TRACE(::testing::Message() << name(t) << " vocab " << c.vocab << (in_place ? " in place" : ""));
  int64_t ld = c.vocab + c.pad;
  auto logits = stored(random_values(c.rows * ld, -8, 8, 60 + c.vocab), t);
  std::vector<int32_t> targets(c.rows);
  for (int64_t r = 0; r < c.rows; ++r) targets[r] = r % 5 == 3 ? -100 : int32_t((r * 7919) % c.vocab);
  int64_t valid = 0;
  for (int32_t tg : targets) valid += tg != -100;
  float scale = 1.f / float(valid);
  DeviceArray dl(logits, t), loss(c.rows, DType::f32), lse_out(c.rows, DType::f32);
  DeviceArray dgrad = in_place ? DeviceArray(logits, t) : DeviceArray(c.rows * ld, t);
  Block dt = upload(targets);
  const void* src = in_place ? dgrad.data() : dl.data();
  cross_entropy(gpu(), {c.rows, c.vocab, t, -100}, {src, ld}, dt.as<int32_t>(), static_cast<float*>(loss.data()),
                {dgrad.data(), ld}, scale, static_cast<float*>(lse_out.data()));
  std::vector<double> want_loss, want_lse, want_grad, got_grad;
  auto grad = dgrad.download();
  for (int64_t r = 0; r < c.rows; ++r) {
    double m = -INFINITY, s = 0;
    for (int64_t j = 0; j < c.vocab; ++j) m = std::max(m, logits[r * ld + j]);
    for (int64_t j = 0; j < c.vocab; ++j) s += std::exp(logits[r * ld + j] - m);
    double lse = m + std::log(s);
    want_lse.push_back(lse);
    bool ignored = targets[r] == -100;
    want_loss.push_back(ignored ? 0 : lse - logits[r * ld + targets[r]]);
    for (int64_t j = 0; j < c.vocab; ++j) {
      double p = std::exp(logits[r * ld + j] - lse);
      want_grad.push_back(ignored ? 0 : scale * (p - (j == targets[r] ? 1 : 0)));
      got_grad.push_back(grad[r * ld + j]);
    }
  }
  EXPECT_TRUE(all_near(loss.download(), want_loss, 1e-5, 1e-5));
  EXPECT_TRUE(all_near(lse_out.download(), want_lse, 1e-5, 1e-5));
  EXPECT_TRUE(all_near(got_grad, want_grad, tolerance(t), 1e-7));
}

TEST(CrossEntropy, LossAndGradientWithIgnoredRows) {
  for (DType t : {DType::f32, DType::bf16}) {
    check(t, {37, 1003, 5}, false);   // element-by-element path
    check(t, {20, 32000, 8}, false);  // the model's vocabulary, 16-byte path
  }
}

TEST(CrossEntropy, GradientMayReplaceTheLogits) {
  for (DType t : {DType::f32, DType::bf16}) {
    check(t, {11, 1003, 0}, true);
    check(t, {9, 4096, 0}, true);
  }
}

// bf16 rows of at most 32768 take the row kernels (on Hopper a persistent block per SM with rows
// fetched ahead into shared memory): many rows per block, refills, the widest row they take, and
// in place.
TEST(CrossEntropy, ManyRowsPerBlockAndTheWidestRegisterRows) {
  check(DType::bf16, {1000, 4096, 0}, false);
  check(DType::bf16, {700, 2056, 8}, true);
  check(DType::bf16, {300, 32768, 0}, false);
  check(DType::bf16, {5, 32776, 0}, false);  // one 16-byte group wider: the general kernel
}

// The backward from a given lse and one incoming gradient per row (any values: the kernel must
// take them as given, not recompute them).
void check_backward(DType t, Case c, bool in_place) {
  SCOPED_TRACE(::testing::Message() << name(t) << " rows " << c.rows << " vocab " << c.vocab
                                    << (in_place ? " in place" : ""));
  const int64_t ld = c.vocab + c.pad;
  auto logits = stored(random_values(c.rows * ld, -8, 8, 80 + c.vocab), t);
  auto lse = stored(random_values(c.rows, 5, 12, 81), DType::f32);
  auto grad = stored(random_values(c.rows, -2, 2, 82), DType::f32);
  std::vector<int32_t> targets(c.rows);
  for (int64_t r = 0; r < c.rows; ++r) targets[r] = r % 4 == 1 ? -100 : int32_t((r * 7919 + 3) % c.vocab);
  DeviceArray dl(logits, t), dlse(lse, DType::f32), dgrad(grad, DType::f32);
  DeviceArray out = in_place ? DeviceArray(logits, t) : DeviceArray(c.rows * ld, t);
  Block dt = upload(targets);
  cross_entropy_backward(gpu(), {c.rows, c.vocab, t, -100}, {in_place ? out.data() : dl.data(), ld},
                         dt.as<int32_t>(), static_cast<const float*>(dlse.data()),
                         static_cast<const float*>(dgrad.data()), {out.data(), ld});
  auto got_all = out.download();
  std::vector<double> want, got;
  for (int64_t r = 0; r < c.rows; ++r)
    for (int64_t j = 0; j < c.vocab; ++j) {
      const bool ignored = targets[r] == -100;
      want.push_back(ignored ? 0 : grad[r] * (std::exp(logits[r * ld + j] - lse[r]) - (j == targets[r] ? 1 : 0)));
      got.push_back(got_all[r * ld + j]);
    }
  EXPECT_TRUE(all_near(got, want, tolerance(t), 1e-9));
}

TEST(CrossEntropy, BackwardFromLseScalesEachRowByItsGradient) {
  for (DType t : {DType::f32, DType::bf16}) {
    check_backward(t, {13, 1003, 3}, false);   // element-by-element path
    check_backward(t, {7, 32000, 8}, false);   // 16-byte path, the model's vocabulary
    check_backward(t, {5, 8200, 0}, false);    // 16-byte path with a partial last unrolled step
    check_backward(t, {6, 4104, 0}, true);
  }
}

TEST(CrossEntropy, LossOnlyWhenNoGradientIsAsked) {
  auto logits = stored(random_values(3 * 100, -1, 1, 5), DType::f32);
  DeviceArray dl(logits, DType::f32), loss(3, DType::f32);
  std::vector<int32_t> targets = {0, 50, 99};
  Block dt = upload(targets);
  cross_entropy(gpu(), {3, 100, DType::f32, -100}, {dl.data(), 100}, dt.as<int32_t>(),
                static_cast<float*>(loss.data()), {nullptr, 0}, 1.f);
  auto got = loss.download();
  for (int r = 0; r < 3; ++r) {
    double s = 0;
    for (int j = 0; j < 100; ++j) s += std::exp(logits[r * 100 + j]);
    EXPECT_NEAR(got[r], std::log(s) - logits[r * 100 + targets[r]], 1e-5);
  }
  EXPECT_TRUE(all_near(dl.download(), logits, 0, 0));  // logits untouched
}

}  // namespace
}  // namespace longnet::cuda::test
