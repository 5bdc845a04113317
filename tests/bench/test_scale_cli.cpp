// `longnet scale` run as a user runs it: option errors, and small sweeps on the CPU.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "bench/scale_output.h"
#include "support/run_process.h"

namespace longnet::testing {
namespace {

// A small, fast problem: 2 heads of 16 dims, patterns and sparse blocks scaled down to match.
const std::string small =
    " --device cpu --heads 2 --head-dim 16 --segment-lengths 128,256 --dilation-rates 1,2"
    " --sparse-block 128 --sparse-summary 16 --warmup 0 --repeats 1";

void expect_usage_error(const std::string& args, const std::string& named,
                        const std::string& base = small) {
  const auto r = run_longnet("scale" + base + " " + args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out << r.err;
  EXPECT_NE(r.err.find(named), std::string::npos) << args << "\n" << r.err;
}

TEST(ScaleCli, BadOptionsAreUsageErrorsNamingTheOption) {
  expect_usage_error("--attention dense,bogus", "--attention bogus");
  expect_usage_error("--device tpu", "--device");
  expect_usage_error("--min-tokens 8X", "--min-tokens");
  expect_usage_error("--max-tokens 0", "--max-tokens");
  expect_usage_error("--min-tokens 8K --max-tokens 4K", "--max-tokens");
  expect_usage_error("--segment-lengths 128,256,512", "--dilation-rates");
  expect_usage_error("--dilation-rates 0,2", "--dilation-rates");
  expect_usage_error("--segment-lengths 128,x", "--segment-lengths");
  expect_usage_error("--dim 770 --heads 12", "--dim", " --device cpu");
  expect_usage_error("--heads 0", "--heads");
  expect_usage_error("--repeats 0", "--repeats");
  expect_usage_error("--warmup -1", "--warmup");
  expect_usage_error("--batch 0", "--batch");
  expect_usage_error("--sparse-summary 256", "--sparse-summary");
  expect_usage_error("--memory-limit lots", "--memory-limit");
  expect_usage_error("--time-limit -1", "--time-limit");
  expect_usage_error("--mode fast", "--mode");
  expect_usage_error("--mode both --dim 64", "--head-dim");
}

TEST(ScaleCli, AMisspeltKindGetsASuggestion) {
  const auto r = run_longnet("scale" + small + " --attention dilatd");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean 'dilated'"), std::string::npos) << r.err;
}

TEST(ScaleCli, CudaOnABuildWithoutItIsAUsageError) {
  if (run_longnet("--version").out.find("CUDA: not built") == std::string::npos) {
    GTEST_SKIP() << "this build has CUDA";
  }
  const auto r = run_longnet("scale --device cuda");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("built without CUDA"), std::string::npos) << r.err;
}

TEST(ScaleCli, HelpListsTheOptions) {
  const auto r = run_longnet("scale --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* option : {"--attention", "--mode", "--device", "--min-tokens", "--max-tokens", "--dim",
                             "--heads", "--head-dim", "--segment-lengths", "--dilation-rates",
                             "--sparse-block", "--sparse-summary", "--batch", "--warmup",
                             "--repeats", "--no-backward", "--cudnn-reference", "--out",
                             "--memory-limit"}) {
    EXPECT_NE(r.out.find(option), std::string::npos) << option;
  }
}

TEST(ScaleCli, TheCudnnReferenceOnTheCpuIsAUsageError) {
  const auto r = run_longnet("scale --device cpu --attention dilated --cudnn-reference");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--cudnn-reference"), std::string::npos) << r.err;
}

TEST(ScaleCli, ASweepOnTheCpuWritesOneCsvLinePerKindPassAndLength) {
  const auto dir = fresh_dir("sweep");
  const auto r = run_longnet("scale" + small + " --min-tokens 256 --max-tokens 1K --batch 2 --out " +
                             dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  const auto rows = read_csv(dir / "scale.csv");
  ASSERT_EQ(rows.size(), 3u * 2u * 3u);  // 3 kinds x (fwd, fwd+bwd) x N = 256, 512, 1024
  const double B = 2, H = 2, Dh = 16;
  for (const auto& row : rows) {
    SCOPED_TRACE(row.at("kind") + " " + row.at("pass") + " " + row.at("tokens"));
    EXPECT_EQ(row.at("status"), "ok");
    EXPECT_EQ(row.at("device"), "cpu");
    const double n = std::stod(row.at("tokens")), ms = std::stod(row.at("ms"));
    const bool backward = row.at("pass") == "fwd+bwd";
    EXPECT_TRUE(backward || row.at("pass") == "fwd");
    // Peak: the fp32 buffers Q, K, V, O (B*N*H*Dh each) and lse (B*H*N); dO, dQ, dK, dV too
    // for the backward.
    const double tensor = B * n * H * Dh * 4, lse = B * H * n * 4;
    EXPECT_EQ(std::stod(row.at("peak_bytes")), (backward ? 8 : 4) * tensor + lse);
    EXPECT_NEAR(std::stod(row.at("tokens_per_s")) * ms / 1e3, B * n, 1e-3 * B * n);
    if (row.at("kind") == "dense") {
      // DESIGN.md section 3: causal dense 2*B*H*N^2*Dh; backward 2.5x forward.
      const double flops = 2 * B * H * n * n * Dh * (backward ? 3.5 : 1.0);
      EXPECT_NEAR(std::stod(row.at("tflop_per_s")) * 1e12 * ms / 1e3, flops, 1e-3 * flops);
    }
  }
  EXPECT_TRUE(has_table_line(r.out, "core dense", "256")) << r.out;
  EXPECT_TRUE(has_table_line(r.out, "core sparse", "512")) << r.out;
  EXPECT_TRUE(has_table_line(r.out, "core dilated", "1K")) << r.out;
  std::ifstream png(dir / "scale.png", std::ios::binary);
  std::string signature(8, '\0');
  png.read(signature.data(), 8);
  EXPECT_EQ(signature, std::string("\x89PNG\r\n\x1a\n", 8));
  std::filesystem::remove_all(dir);
}

TEST(ScaleCli, RunningOutOfMemoryIsReportedAsTheLimitNotACrash) {
  const auto dir = fresh_dir("oom");
  // 300K bytes hold the forward buffers at N = 512 (266240 bytes) but not at 1K, and the
  // forward+backward buffers only at 256.
  const auto r = run_longnet("scale" + small +
                             " --attention dilated --min-tokens 256 --max-tokens 4K"
                             " --memory-limit 300K --out " + dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("dilated fwd: limit 1K tokens (out of memory"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dilated fwd+bwd: limit 512 tokens (out of memory"), std::string::npos)
      << r.out;
  std::map<std::string, std::vector<std::string>> statuses;
  for (const auto& row : read_csv(dir / "scale.csv")) {
    statuses[row.at("pass")].push_back(row.at("tokens") + " " + row.at("status"));
  }
  EXPECT_EQ(statuses["fwd"], (std::vector<std::string>{"256 ok", "512 ok", "1024 out_of_memory"}));
  EXPECT_EQ(statuses["fwd+bwd"], (std::vector<std::string>{"256 ok", "512 out_of_memory"}));
  std::filesystem::remove_all(dir);
}

TEST(ScaleCli, LayerModeTimesTheWholeAttentionLayerForward) {
  const auto dir = fresh_dir("layer");
  const auto r = run_longnet(
      "scale --device cpu --mode layer --attention dense --dim 64 --heads 4 --warmup 0 --repeats 1"
      " --min-tokens 256 --max-tokens 512 --out " + dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto rows = read_csv(dir / "scale.csv");
  ASSERT_EQ(rows.size(), 2u);
  const double B = 1, E = 64, H = 4, Dh = 16;
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("part"), "layer");
    EXPECT_EQ(row.at("pass"), "fwd");
    EXPECT_NE(row.at("attention").find("xpos=512"), std::string::npos);
    const double n = std::stod(row.at("tokens")), ms = std::stod(row.at("ms"));
    // Held at once at the peak: Wq, Wk, Wv, Wo and four biases, the Sub-LN weight and bias; x,
    // rotated q and k, v and the attention output ([B, N, E] each) and lse [B, H, N].
    const double floats = 4 * E * E + 6 * E + 5 * B * n * E + B * H * n;
    EXPECT_EQ(std::stod(row.at("peak_bytes")), 4 * floats);
    // Four E x E projections plus causal dense attention.
    const double flops = 8 * B * n * E * E + 2 * B * H * n * n * Dh;
    EXPECT_NEAR(std::stod(row.at("tflop_per_s")) * 1e12 * ms / 1e3, flops, 1e-3 * flops);
  }
  EXPECT_TRUE(has_table_line(r.out, "layer dense", "512")) << r.out;
  std::filesystem::remove_all(dir);
}

TEST(ScaleCli, NoBackwardMeasuresTheForwardOnly) {
  const auto dir = fresh_dir("forward_only");
  const auto r = run_longnet("scale" + small +
                             " --attention dense --no-backward --min-tokens 256 --max-tokens 512"
                             " --out " + dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = read_csv(dir / "scale.csv");
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) EXPECT_EQ(row.at("pass"), "fwd");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace longnet::testing
