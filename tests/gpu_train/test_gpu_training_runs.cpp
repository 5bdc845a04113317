// `longnet train` on the GPU as a user runs it (train.device = "cuda", bf16, deterministic): the
// loss falls, one seed gives the same bits twice, and save + resume equals one straight run.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "support/file_bytes.h"
#include "support/run_process.h"
#include "train/tiny_corpus.h"

namespace longnet {
namespace {

namespace fs = std::filesystem;
using testing::run_longnet;

// The tiny experiment made GPU-sized: head dimension 64 (what the CUDA attention computes), two
// micro-batches a step, bf16, deterministic.
constexpr const char* kOnTheGpu =
    "--set model.layers=2 --set model.dim=128 --set model.heads=2 --set model.ffn_dim=256 "
    "--set 'attention.segment_lengths=[32,64]' --set train.seq_len=64 "
    "--set train.tokens_per_step=256 --set train.lr=3e-3 --set train.checkpoint_every=5 "
    "--set train.device=cuda --set train.precision=bf16 --set train.deterministic=true";

struct GpuRun {
  GpuRun() {
    testing::write_tiny_corpus(dir / "data");
    testing::write_file_bytes(dir / "gpu.toml", testing::tiny_experiment(dir / "data", 30));
  }
  testing::ProcessResult train(const std::string& run, const std::string& extra = "") const {
    return run_longnet(fmt::format("train {} --out {} {} {}", (dir / "gpu.toml").string(),
                                   (dir / run).string(), kOnTheGpu, extra));
  }
  // step -> training loss, from the metrics log.
  std::map<int64_t, double> losses(const std::string& run) const {
    std::map<int64_t, double> out;
    std::ifstream in(dir / run / "metrics.jsonl");
    for (std::string line; std::getline(in, line);) {
      const auto m = nlohmann::json::parse(line);
      if (m.contains("loss")) out[m["step"].get<int64_t>()] = m["loss"].get<double>();
    }
    return out;
  }
  testing::ScratchDir dir;
};

TEST(GpuTraining, TheLossFallsAndTheRunSaysWhereItRuns) {
  GpuRun f;
  const auto r = f.train("run");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("cuda:0, bf16"), std::string::npos) << r.err;
  const auto l = f.losses("run");
  ASSERT_EQ(l.size(), 30u);
  const double first = (l.at(1) + l.at(2) + l.at(3)) / 3, last = (l.at(28) + l.at(29) + l.at(30)) / 3;
  std::fprintf(stderr, "loss: first three %.4f, last three %.4f\n", first, last);
  EXPECT_LT(last, 0.7 * first);
}

TEST(GpuTraining, OneSeedGivesBitIdenticalLossCurves) {
  GpuRun f;
  ASSERT_EQ(f.train("a", "--set train.steps=12").exit_code, 0);
  ASSERT_EQ(f.train("b", "--set train.steps=12").exit_code, 0);
  const auto a = f.losses("a"), b = f.losses("b");
  ASSERT_EQ(a.size(), 12u);
  EXPECT_EQ(a, b);  // exact doubles
  EXPECT_EQ(testing::read_file_bytes(f.dir / "a/checkpoints/step-00000012/model.safetensors"),
            testing::read_file_bytes(f.dir / "b/checkpoints/step-00000012/model.safetensors"));
}

TEST(GpuTraining, SaveAndResumeEqualsOneStraightRun) {
  GpuRun f;
  ASSERT_EQ(f.train("whole", "--set train.steps=10").exit_code, 0);
  // The same run stopped after its step-5 checkpoint, then resumed.
  fs::copy(f.dir / "whole", f.dir / "resumed", fs::copy_options::recursive);
  fs::remove_all(f.dir / "resumed/checkpoints/step-00000010");
  testing::write_file_bytes(f.dir / "resumed/checkpoints/latest", "step-00000005\n");
  fs::remove(f.dir / "resumed/metrics.jsonl");
  const auto resumed = f.train("resumed", "--set train.steps=10 --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto whole = f.losses("whole"), after = f.losses("resumed");
  ASSERT_EQ(after.size(), 5u);
  for (const auto& [step, loss] : after) EXPECT_EQ(loss, whole.at(step)) << "step " << step;
  for (const char* file : {"model.safetensors", "trainer_state.safetensors"})
    EXPECT_EQ(testing::read_file_bytes(f.dir / "whole/checkpoints/step-00000010" / file),
              testing::read_file_bytes(f.dir / "resumed/checkpoints/step-00000010" / file))
        << file;
}

TEST(GpuTraining, AGpuCheckpointEvaluatesOnTheCpuAndTheGpuAlike) {
  GpuRun f;
  ASSERT_EQ(f.train("run", "--set train.steps=5").exit_code, 0);
  const std::string eval = fmt::format("eval {} --lengths 64 --max-tokens 256 --device ",
                                       (f.dir / "run").string());
  const auto cpu = run_longnet(eval + "cpu"), gpu = run_longnet(eval + "cuda");
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  ASSERT_EQ(gpu.exit_code, 0) << gpu.err;
  std::fprintf(stderr, "cpu:\n%s\ngpu:\n%s\n", cpu.out.c_str(), gpu.out.c_str());
  // The perplexity cell of each table: the last number on the last line.
  const auto cell = [](const std::string& table) {
    const auto end = table.find_last_of("0123456789");
    const auto begin = table.find_last_of(" |", end) + 1;
    return std::stod(table.substr(begin, end + 1 - begin));
  };
  EXPECT_NEAR(cell(gpu.out), cell(cpu.out), 0.03 * cell(cpu.out));
}

}  // namespace
}  // namespace longnet
