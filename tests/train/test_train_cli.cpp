// `longnet train`, `longnet eval` and `longnet perplexity` as a user runs them, on a tiny corpus
// and a tiny model (docs/train.md).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "support/run_process.h"
#include "tiny_corpus.h"
#include "train/device_choice.h"
#include "train/trained_run.h"

namespace longnet {
namespace {

using testing::run_process;
using testing::ScratchDir;
namespace fs = std::filesystem;

struct Fixture {
  Fixture() {
    testing::write_tiny_corpus(dir / "data");
    testing::write_file_bytes(dir / "tiny.toml", testing::tiny_experiment(dir / "data"));
  }
  std::string train(const std::string& run, const std::string& extra = "") const {
    return fmt::format("{} train {} --out {} {}", LONGNET_BIN, (dir / "tiny.toml").string(),
                       (dir / run).string(), extra);
  }
  ScratchDir dir;
};

std::vector<nlohmann::json> metrics(const fs::path& run) {
  std::vector<nlohmann::json> out;
  std::ifstream in(run / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

// step -> training loss, from the metrics log.
std::map<int64_t, double> losses(const fs::path& run) {
  std::map<int64_t, double> out;
  for (const auto& m : metrics(run))
    if (m.contains("loss")) out[m["step"].get<int64_t>()] = m["loss"].get<double>();
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(TrainCli, TheLossFallsOnATinyCorpus) {
  Fixture f;
  const auto r = run_process(f.train("run"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto l = losses(f.dir / "run");
  ASSERT_EQ(l.size(), 30u);
  EXPECT_NEAR(l.at(1), std::log(double(testing::kTinyVocab)), 0.7);
  EXPECT_LT(l.at(30), l.at(1) - 1.0) << r.err;
  EXPECT_TRUE(fs::exists(f.dir / "run/config.toml"));
  EXPECT_TRUE(contains(testing::read_file_bytes(f.dir / "run/command.txt"), "--out"));
  EXPECT_TRUE(fs::exists(f.dir / "run/checkpoints/step-00000030/model.safetensors"));
  EXPECT_TRUE(contains(r.err, "valid: step 10"));
}

TEST(TrainCli, ResumingFromACheckpointGivesIdenticalLosses) {
  Fixture f;
  ASSERT_EQ(run_process(f.train("whole", "--set train.steps=8 --set train.checkpoint_every=4"))
                .exit_code, 0);
  // The same run stopped after its step-4 checkpoint, then resumed.
  fs::copy(f.dir / "whole", f.dir / "resumed", fs::copy_options::recursive);
  fs::remove_all(f.dir / "resumed/checkpoints/step-00000008");
  testing::write_file_bytes(f.dir / "resumed/checkpoints/latest", "step-00000004\n");
  fs::remove(f.dir / "resumed/metrics.jsonl");
  const auto r =
      run_process(f.train("resumed", "--set train.steps=8 --set train.checkpoint_every=4 "
                                     "--resume"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto whole = losses(f.dir / "whole"), resumed = losses(f.dir / "resumed");
  ASSERT_EQ(resumed.size(), 4u);
  for (const auto& [step, loss] : resumed) EXPECT_EQ(loss, whole.at(step)) << "step " << step;
  const std::string last = "checkpoints/step-00000008/model.safetensors";
  EXPECT_EQ(testing::read_file_bytes(f.dir / "whole" / last),
            testing::read_file_bytes(f.dir / "resumed" / last));
}

TEST(TrainCli, CtrlCSavesALoadableCheckpointAndExitsZero) {
  Fixture f;
  const fs::path run = f.dir / "run", log = f.dir / "stderr.txt";
  const std::string config = (f.dir / "tiny.toml").string();
  const pid_t pid = fork();
  if (pid == 0) {
    freopen(log.c_str(), "w", stderr);
    execl(LONGNET_BIN, LONGNET_BIN, "train", config.c_str(), "--out", run.c_str(), "--set",
          "train.steps=100000", "--set", "train.checkpoint_every=0", nullptr);
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (losses(run).size() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << testing::read_file_bytes(log);
  EXPECT_EQ(WEXITSTATUS(status), 0) << testing::read_file_bytes(log);
  EXPECT_TRUE(contains(testing::read_file_bytes(log), "interrupted"));
  const train::TrainedRun loaded = train::load_trained_run(run);
  EXPECT_GE(losses(run).size(), 3u);
  EXPECT_EQ(loaded.checkpoint.filename().string(),
            fmt::format("step-{:08}", losses(run).rbegin()->first));
}

TEST(TrainCli, ANonFiniteLossStopsTheRunAndKeepsTheLastGoodCheckpoint) {
  Fixture f;
  const auto r = run_process(fmt::format(
      "LONGNET_TEST_NAN_AT_STEP=5 {}", f.train("run", "--set train.checkpoint_every=2")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "step 5")) << r.err;
  EXPECT_TRUE(contains(r.err, "not finite")) << r.err;
  EXPECT_TRUE(contains(r.err, "step-00000004")) << r.err;
  EXPECT_EQ(testing::read_file_bytes(f.dir / "run/checkpoints/latest"), "step-00000004\n");
  EXPECT_NO_THROW(train::load_trained_run(f.dir / "run"));
}

TEST(TrainCli, EvalPrintsOneTableForSeveralRunsAndWritesCsv) {
  Fixture f;
  ASSERT_EQ(run_process(f.train("a", "--set train.steps=3")).exit_code, 0);
  ASSERT_EQ(run_process(f.train("b", "--set train.steps=3 --set attention.kind=\"dense\""))
                .exit_code, 0);
  const auto r = run_process(fmt::format("{} eval {} {} --lengths 16,32 --csv {}", LONGNET_BIN,
                                         (f.dir / "a").string(), (f.dir / "b").string(),
                                         (f.dir / "table.csv").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string out = r.out;
  EXPECT_TRUE(contains(out, "| Model | Length | 16 | 32 |\n| --- | ---: | ---: | ---: |\n")) << out;
  EXPECT_TRUE(contains(out, "| LongNet (a) | 16 |")) << out;
  EXPECT_TRUE(contains(out, "| Transformer (b) | 16 |")) << out;
  const std::string csv = testing::read_file_bytes(f.dir / "table.csv");
  EXPECT_FALSE(contains(out, "Suffix loss"));  // only with --prompting
  EXPECT_TRUE(csv.starts_with("model,training_length,16,32\nLongNet (a),16,")) << csv;
}

TEST(TrainCli, EvalPromptingPrintsTheSuffixLossForEachPrefix) {
  Fixture f;
  ASSERT_EQ(run_process(f.train("run", "--set train.steps=1")).exit_code, 0);
  const auto r = run_process(fmt::format(
      "{} eval {} --lengths 16,32 --prompting --prompt-suffix 8 --prompt-samples 2", LONGNET_BIN,
      (f.dir / "run").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "| Model | Prefix | Suffix loss | Suffix perplexity |")) << r.out;
  EXPECT_TRUE(contains(r.out, "| LongNet (run) | 16 | ")) << r.out;
  EXPECT_TRUE(contains(r.out, "| LongNet (run) | 32 | ")) << r.out;
}

TEST(TrainCli, EvalAtALengthThatIsNotAWholeNumberOfBlocksIsAUsageError) {
  Fixture f;
  ASSERT_EQ(run_process(f.train("run", "--set train.steps=1")).exit_code, 0);
  const auto r = run_process(
      fmt::format("{} eval {} --lengths 40", LONGNET_BIN, (f.dir / "run").string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "multiple")) << r.err;
}

TEST(TrainCli, MissingDataIsNamedWithThePrepareCommand) {
  Fixture f;
  const auto r =
      run_process(f.train("run", "--set data.dir=\"" + (f.dir / "nowhere").string() + "\""));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "longnet prepare")) << r.err;
  EXPECT_FALSE(fs::exists(f.dir / "run/checkpoints"));
}

TEST(TrainCli, AShardOfAnotherTokenizerIsRefused) {
  Fixture f;
  testing::write_tiny_corpus(f.dir / "other", /*tokenizer_checksum=*/78);
  fs::copy_file(f.dir / "other/valid.bin", f.dir / "data/valid.bin",
                fs::copy_options::overwrite_existing);
  const auto r = run_process(f.train("run"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "valid.bin")) << r.err;
}

TEST(TrainCli, EvalRefusesACorpusOfAnotherTokenizer) {
  Fixture f;
  ASSERT_EQ(run_process(f.train("run", "--set train.steps=1")).exit_code, 0);
  testing::write_tiny_corpus(f.dir / "other", /*tokenizer_checksum=*/78);
  const auto r = run_process(fmt::format("{} eval {} --data {}", LONGNET_BIN,
                                         (f.dir / "run").string(), (f.dir / "other").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "tokenizer")) << r.err;
}

TEST(TrainCli, ACorruptedCheckpointIsDetected) {
  Fixture f;
  ASSERT_EQ(run_process(f.train("run", "--set train.steps=2")).exit_code, 0);
  const fs::path file = f.dir / "run/checkpoints/step-00000002/model.safetensors";
  std::string bytes = testing::read_file_bytes(file);
  bytes[bytes.size() / 2 + 100] ^= 1;
  testing::write_file_bytes(file, bytes);
  const auto eval = run_process(fmt::format("{} eval {}", LONGNET_BIN, (f.dir / "run").string()));
  EXPECT_EQ(eval.exit_code, 1);
  EXPECT_TRUE(contains(eval.err, "model.safetensors")) << eval.err;
  const auto resume = run_process(f.train("run", "--set train.steps=4 --resume"));
  EXPECT_EQ(resume.exit_code, 1);
  EXPECT_EQ(testing::read_file_bytes(file), bytes);  // left as it was
}

TEST(TrainCli, ResumeWithAnIncompatibleConfigNamesTheKeys) {
  Fixture f;
  ASSERT_EQ(run_process(f.train("run", "--set train.steps=2")).exit_code, 0);
  const auto r = run_process(f.train("run", "--set model.dim=32 --set train.seq_len=8 --resume"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "model.dim")) << r.err;
  EXPECT_TRUE(contains(r.err, "train.seq_len")) << r.err;
}

TEST(TrainCli, AFreshRunNeverOverwritesAnExistingOne) {
  Fixture f;
  ASSERT_EQ(run_process(f.train("run", "--set train.steps=2")).exit_code, 0);
  const std::string before =
      testing::read_file_bytes(f.dir / "run/checkpoints/step-00000002/model.safetensors");
  const auto r = run_process(f.train("run", "--set train.steps=2"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--resume")) << r.err;
  EXPECT_EQ(testing::read_file_bytes(f.dir / "run/checkpoints/step-00000002/model.safetensors"),
            before);
}

TEST(TrainCli, TokensPerStepNotAMultipleOfTheMicroBatchIsAConfigError) {
  Fixture f;
  const auto r = run_process(f.train("run", "--set train.tokens_per_step=100"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "tokens_per_step")) << r.err;
}

// On a machine without a usable GPU (this test is skipped where one is visible).
TEST(TrainCli, DeviceCudaWithoutAGpuIsAConfigErrorForTrainAndEval) {
  if (train::gpu_availability().visible_gpus > 0 && train::gpu_availability().cuda_built)
    GTEST_SKIP() << "a GPU is visible";
  Fixture f;
  const auto r = run_process(f.train("run", "--set train.device=cuda"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "train.device = \"cuda\"")) << r.err;
  EXPECT_FALSE(fs::exists(f.dir / "run/checkpoints"));
  ASSERT_EQ(run_process(f.train("run", "--set train.steps=1")).exit_code, 0);
  const auto eval = run_process(
      fmt::format("{} eval {} --device cuda", LONGNET_BIN, (f.dir / "run").string()));
  EXPECT_EQ(eval.exit_code, 2);
  EXPECT_TRUE(contains(eval.err, "--device = \"cuda\"")) << eval.err;
}

TEST(TrainCli, PrecisionBf16WithAutoDeviceAndNoGpuNamesThePrecisionKey) {
  if (train::gpu_availability().visible_gpus > 0 && train::gpu_availability().cuda_built)
    GTEST_SKIP() << "a GPU is visible";
  Fixture f;
  const auto r =
      run_process(f.train("run", "--set train.device=auto --set train.precision=bf16"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "train.precision = \"bf16\"")) << r.err;
}

}  // namespace
}  // namespace longnet
