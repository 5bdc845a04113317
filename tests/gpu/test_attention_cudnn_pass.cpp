// Strided passes through cuDNN's fused SDPA (lib/attention/cuda/cudnn_pass.h) against the f64
// reference on fresh random bf16 inputs, each case once with cuDNN taking the passes it computes
// and once with LONGNET_ATTENTION_NO_CUDNN=1 (our kernels only); the pass counts say which
// engine ran. Tolerances are those of reference_compare.h.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <random>
#include <string>

#include "attention/cudnn/cudnn_attention.h"
#include "attention/specs.h"
#include "reference_compare.h"

namespace longnet::attention {
namespace {

using testing::dense;
using testing::dilated;
using testing::GpuResult;
using testing::Inputs;
using testing::sparse;
using testing::whole;

uint64_t fresh_seed() {
  static std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

// Sets LONGNET_ATTENTION_NO_CUDNN for the scope, then restores what was there.
class NoCudnn {
 public:
  explicit NoCudnn(bool on) {
    if (const char* old = std::getenv(kName)) old_ = old;
    if (on) {
      setenv(kName, "1", 1);
    } else {
      unsetenv(kName);
    }
  }
  ~NoCudnn() {
    if (old_) {
      setenv(kName, old_->c_str(), 1);
    } else {
      unsetenv(kName);
    }
  }

 private:
  static constexpr const char* kName = "LONGNET_ATTENTION_NO_CUDNN";
  std::optional<std::string> old_;
};

struct Delta {
  int64_t cudnn, kernel;
};

// Forward and backward against the reference; returns the passes each engine ran.
Delta check_against_reference(const Spec& spec, const Problem& p, bool fused = false,
                              bool deterministic = false) {
  const uint64_t seed = fresh_seed();
  SCOPED_TRACE(describe(spec) + " seed " + std::to_string(seed));
  const Inputs in = testing::random_inputs(p, seed, fused);
  const AttentionPassCounts before = attention_pass_counts();
  const GpuResult got = testing::run_gpu(spec, p, in, true, deterministic);
  const AttentionPassCounts after = attention_pass_counts();
  const testing::Expected want = testing::run_reference(spec, p, in, true);
  testing::expect_forward(got, want);
  testing::expect_backward(got, want);
  return {after.cudnn - before.cudnn, after.kernel - before.kernel};
}

struct Case {
  const char* name;
  Spec spec;
  Problem problem;
  bool fused = false;
};

// Every case has strided passes cuDNN computes: dense and dilated only those, sparse-fixed its
// block pass (its summary passes stay on our kernel).
class CudnnPasses : public ::testing::TestWithParam<std::tuple<Case, bool>> {};

TEST_P(CudnnPasses, MatchTheReferenceOnEitherEngine) {
  const auto& [c, no_cudnn] = GetParam();
  const NoCudnn env(no_cudnn);
  const Delta ran = check_against_reference(c.spec, c.problem, c.fused);
  if (no_cudnn || !cudnn_sdpa_available()) {
    EXPECT_EQ(ran.cudnn, 0);
  } else {
    EXPECT_GT(ran.cudnn, 0);
  }
  if (c.spec.kind != Kind::sparse && !no_cudnn && cudnn_sdpa_available()) EXPECT_EQ(ran.kernel, 0);
}

const Case kCases[] = {
    {"DenseCausalXposBatch2", dense(true, 512), whole(2, 4, 64, 300)},
    {"DenseNonCausalHeadDim128", dense(false), whole(1, 2, 128, 257)},
    // Paper-like patterns scaled down: N not a multiple of any w, H = 6 not a multiple of r = 4.
    {"DilatedInterleavedXposRaggedN",
     dilated({{64, 1}, {128, 2}, {256, 4}}, true, HeadOffsets::interleaved, 512),
     whole(2, 6, 64, 700)},
    // r does not divide w; blocked offsets; Dh 128.
    {"DilatedBlockedRNotDividingW", dilated({{100, 3}, {250, 7}}, true, HeadOffsets::blocked),
     whole(1, 4, 128, 611)},
    {"DilatedBlockedXposHeadDim128",
     dilated({{96, 2}, {300, 5}}, true, HeadOffsets::blocked, 128), whole(1, 4, 128, 611)},
    // r > H (one head per offset), non-causal, fused QKV rows, batch 2 with a short last segment.
    {"DilatedInterleavedNonCausalFusedQkv", dilated({{128, 2}, {256, 8}}, false),
     whole(2, 4, 64, 600), true},
    {"DilatedFoldsSegmentsAcrossBatch", dilated({{64, 1}, {128, 4}}, true), whole(3, 8, 64, 256)},
    // One pass covering every row: cuDNN writes the final O and lse (no fp32 O); no XPOS, so q
    // and k are read in place; batch 2 with a short last segment; fused QKV rows.
    {"DilatedOnePassWritesTheFinalO", dilated({{128, 1}}, true), whole(2, 4, 64, 300)},
    {"DilatedOnePassNonCausalFusedQkv", dilated({{256, 1}}, false), whole(2, 4, 64, 600), true},
    // The first pass leaves rows unwritten (r > 1), so the running O starts from the zero fill.
    {"DilatedFirstPassSkipsRows", dilated({{128, 4}, {64, 1}}, true, HeadOffsets::interleaved, 512),
     whole(1, 6, 64, 500)},
    {"SparseFixedCausalXpos", sparse(128, 16, true, 256), whole(1, 4, 64, 700)},
    {"SparseFixedNonCausal", sparse(64, 8, false), whole(2, 3, 64, 300)},
};

INSTANTIATE_TEST_SUITE_P(Cases, CudnnPasses,
                         ::testing::Combine(::testing::ValuesIn(kCases), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) +
                                  (std::get<1>(info.param) ? "_OurKernels" : "_Cudnn");
                         });

TEST(CudnnPassRouting, EveryStridedPassGoesToCudnnUnlessSwitchedOff) {
  if (!cudnn_sdpa_available()) GTEST_SKIP() << "cuDNN SDPA is not available on this GPU";
  const Spec spec = dilated({{64, 1}, {128, 2}}, true, HeadOffsets::interleaved, 512);
  const Problem p = whole(1, 4, 64, 256);
  const Delta on = check_against_reference(spec, p);
  EXPECT_EQ(on.cudnn, 4);  // two patterns, forward and backward
  EXPECT_EQ(on.kernel, 0);
  const NoCudnn env(true);
  const Delta off = check_against_reference(spec, p);
  EXPECT_EQ(off.cudnn, 0);
  EXPECT_EQ(off.kernel, 4);
}

// The XPOS factors about a segment's centre reach z_0^(+-w'/2B) (z_0 = 2/7 at Dh 64). A segment
// whose factors pass 2^100 stays on our kernel; one just inside goes to cuDNN and still matches
// the reference. (Scale base 16 on 2K tokens stands for base 512 on 56K+: the same exponents.)
TEST(CudnnPassRouting, XposDecayBeyondTheLimitFallsBackToOurKernel) {
  if (!cudnn_sdpa_available()) GTEST_SKIP() << "cuDNN SDPA is not available on this GPU";
  const Problem p = whole(1, 1, 64, 2048);  // w' = 2048: largest factor 2^(1024 * 1.807 / B)
  const Delta beyond = check_against_reference(dense(true, 16), p);  // 2^116
  EXPECT_EQ(beyond.cudnn, 0);
  EXPECT_EQ(beyond.kernel, 2);
  const Delta inside = check_against_reference(dense(true, 20), p);  // 2^92.5
  EXPECT_EQ(inside.cudnn, 2);
  EXPECT_EQ(inside.kernel, 0);
}

TEST(CudnnPassRouting, ARepeatedShapeBuildsNoNewPlan) {
  if (!cudnn_sdpa_available()) GTEST_SKIP() << "cuDNN SDPA is not available on this GPU";
  const Spec spec = dilated({{96, 1}, {192, 3}}, true, HeadOffsets::interleaved, 512);
  const Problem p = whole(1, 6, 64, 500);
  check_against_reference(spec, p);
  const int64_t plans = cudnn_cached_plans();
  check_against_reference(spec, p);
  EXPECT_EQ(cudnn_cached_plans(), plans);
}

}  // namespace
}  // namespace longnet::attention
