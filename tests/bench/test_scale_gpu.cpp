// `longnet scale --device cuda` end to end (label gpu: needs a GPU and a CUDA build).
#include <gtest/gtest.h>

#include <map>

#include "bench/scale_output.h"
#include "support/run_process.h"

namespace longnet::testing {
namespace {

const std::string patterns =
    " --device cuda --heads 12 --head-dim 64 --segment-lengths 2048,4096 --dilation-rates 1,2"
    " --warmup 1 --repeats 3";

TEST(ScaleGpu, TheCoreSweepTimesEveryKindInBf16AndCountsItsBuffers) {
  const auto dir = fresh_dir("gpu");
  const auto r = run_longnet("scale" + patterns + " --min-tokens 4K --max-tokens 8K --out " +
                             dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto rows = read_csv(dir / "scale.csv");
  ASSERT_EQ(rows.size(), 3u * 2u * 2u);
  const double B = 1, H = 12, Dh = 64;
  for (const auto& row : rows) {
    SCOPED_TRACE(row.at("kind") + " " + row.at("pass") + " " + row.at("tokens"));
    EXPECT_EQ(row.at("status"), "ok");
    EXPECT_EQ(row.at("dtype"), "bf16");
    EXPECT_NE(row.at("device"), "cpu");
    const double n = std::stod(row.at("tokens"));
    const bool backward = row.at("pass") == "fwd+bwd";
    // bf16 Q, K, V, O (and dO, dQ, dK, dV), fp32 lse, and a workspace of some size on top.
    const double buffers = (backward ? 8 : 4) * B * n * H * Dh * 2 + B * H * n * 4;
    EXPECT_GE(std::stod(row.at("peak_bytes")), buffers);
    EXPECT_GT(std::stod(row.at("ms")), 0);
  }
  std::filesystem::remove_all(dir);
}

TEST(ScaleGpu, TheLayerSweepCountsItsWholeWorkingSet) {
  const auto dir = fresh_dir("gpu_layer");
  const auto r = run_longnet("scale" + patterns + " --mode layer --dim 768 --attention dilated"
                             " --min-tokens 4K --max-tokens 8K --out " + dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto rows = read_csv(dir / "scale.csv");
  ASSERT_EQ(rows.size(), 2u);
  const double B = 1, E = 768, H = 12;
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("part"), "layer");
    EXPECT_EQ(row.at("status"), "ok");
    const double n = std::stod(row.at("tokens"));
    // bf16 parameters, q, k, v and x, whose buffer the attention workspace (two activations)
    // takes over; fp32 lse, mean and rstd.
    const double held = (4 * E * E + 6 * E + 5 * B * n * E) * 2 + (B * H * n + 2 * B * n) * 4;
    EXPECT_GE(std::stod(row.at("peak_bytes")), held);
  }
  std::filesystem::remove_all(dir);
}

TEST(ScaleGpu, TheCudnnReferenceIsTimedOnTheDilatedCallsFlops) {
  const auto dir = fresh_dir("gpu_reference");
  const auto r = run_longnet("scale" + patterns + " --attention dilated --cudnn-reference"
                             " --min-tokens 4K --max-tokens 8K --out " + dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto rows = read_csv(dir / "scale.csv");
  ASSERT_EQ(rows.size(), 2u * 2u * 2u);  // dilated and its reference, two passes, two lengths
  std::map<std::string, double> flops;   // pass and N -> FLOPs of the dilated call
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("status"), "ok");
    if (row.at("kind") == "dilated")
      flops[row.at("pass") + row.at("tokens")] =
          std::stod(row.at("tflop_per_s")) * std::stod(row.at("ms"));
  }
  ASSERT_EQ(flops.size(), 4u);
  for (const auto& row : rows) {
    if (row.at("kind") != "cudnn-equivalent") continue;
    SCOPED_TRACE(row.at("pass") + " " + row.at("tokens"));
    const double n = std::stod(row.at("tokens"));
    EXPECT_NEAR(std::stod(row.at("tflop_per_s")) * std::stod(row.at("ms")),
                flops.at(row.at("pass") + row.at("tokens")),
                1e-2 * flops.at(row.at("pass") + row.at("tokens")));
    // Q, K, V, O of all N rows (pattern 2048/1 covers them) at least.
    EXPECT_GE(std::stod(row.at("peak_bytes")), 4 * n * 12 * 64 * 2);
  }
  std::filesystem::remove_all(dir);
}

TEST(ScaleGpu, ABudgetTooSmallForTheBuffersIsTheLimit) {
  const auto dir = fresh_dir("gpu_oom");
  // The 4K-token forward buffers alone take 4 x 4K x 768 x 2 bytes = 24 MiB, over the 8 MiB
  // budget, so the first N is already the limit.
  const auto r = run_longnet("scale" + patterns + " --attention dilated --min-tokens 4K"
                             " --max-tokens 64K --memory-limit 8M --out " + dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("core dilated fwd: limit 4K tokens (out of memory"), std::string::npos)
      << r.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace longnet::testing
