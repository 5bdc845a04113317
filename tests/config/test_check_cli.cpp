// `longnet check` run as a process, as a user runs it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/experiment.h"
#include "expect_contains.h"
#include "support/run_process.h"

namespace longnet::testing {

namespace {

const std::string kQuickstart = LONGNET_SOURCE_DIR "/experiments/quickstart.toml";

std::string write_temp(const std::string& name, const std::string& text) {
  auto path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST(CheckCommand, GoodFilePrintsTheResolvedConfigAndExitsZero) {
  auto r = run_longnet("check " + kQuickstart);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_CONTAINS(r.out, "[attention]\n");
  EXPECT_EQ(config::parse_experiment(r.out, "stdout"), config::load_experiment(kQuickstart));
}

TEST(CheckCommand, SetOverridesShowInTheOutput) {
  auto r = run_longnet("check " + kQuickstart +
                       " --set train.lr=3e-4 --set attention.kind=dense"
                       " --set attention.segment_lengths=[1024,2048,4096]"
                       " --set attention.dilation_rates=[1,2,4]");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto c = config::parse_experiment(r.out, "stdout");
  EXPECT_EQ(c.train.lr, 3e-4);
  EXPECT_EQ(c.attention.kind, config::AttentionKind::dense);
  EXPECT_EQ(c.attention.segment_lengths, (std::vector<int64_t>{1024, 2048, 4096}));
  EXPECT_EQ(c.attention.dilation_rates, (std::vector<int64_t>{1, 2, 4}));
}

TEST(CheckCommand, MisspeltKeyExitsTwoNamingTheLineAndSuggesting) {
  auto path =
      write_temp("misspelt.toml", "[attention]\nkind = \"dilated\"\nsegement_lengths = [128]\n");
  auto r = run_longnet("check " + path);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_CONTAINS(r.err, path + ":3:1:");
  EXPECT_CONTAINS(r.err, "did you mean 'segment_lengths'?");
}

TEST(CheckCommand, SyntaxErrorExitsTwo) {
  auto path = write_temp("syntax.toml", "[train]\nlr = = 1\n");
  auto r = run_longnet("check " + path);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, path + ":2:");
  EXPECT_CONTAINS(r.err, "TOML syntax error");
}

TEST(CheckCommand, MissingFileIsAUsageError) {
  auto r = run_longnet("check /nonexistent/experiment.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "/nonexistent/experiment.toml");
  EXPECT_CONTAINS(r.err, "no such file");
}

TEST(CheckCommand, BadSetExitsTwoNamingTheOption) {
  auto r = run_longnet("check " + kQuickstart + " --set train.lr=true");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "--set train.lr=true: train.lr: expected a float, found a boolean");
  r = run_longnet("check " + kQuickstart + " --set train.lrr=1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "did you mean 'train.lr'?");
  r = run_longnet("check " + kQuickstart + " --set train.lr");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "--set 'train.lr': expected KEY=VALUE");
}

TEST(CheckCommand, HelpExitsZeroAndDocumentsSet) {
  auto r = run_longnet("check --help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "--set");
}

TEST(CheckCommand, WithoutAFileIsAUsageError) { EXPECT_EQ(run_longnet("check").exit_code, 2); }

}  // namespace longnet::testing
