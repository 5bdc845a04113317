// `longnet prepare` run as a process: output, idempotence and exit codes of bad input.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>

#include "support/run_process.h"
#include "tiny_corpus.h"

namespace longnet::data {

namespace fs = std::filesystem;
using longnet::testing::run_longnet;
using testing::write_file;

namespace {

// A recipe over `tree` with `extra` TOML appended to its [tokenizer] table.
fs::path write_recipe(const fs::path& dir, const fs::path& tree, const std::string& tokenizer_extra = "",
                      const std::string& select = "") {
  const auto path = dir / "recipe.toml";
  write_file(path, fmt::format(R"([source]
kind = "directory"
path = "{}"
{}
[documents]
unit = "directory"
header = "// file: {{path}}"

[split]
valid = 0.25
test = 0.25

[tokenizer]
vocab_size = 380
sample_sentences = 2000
{}
)",
                               tree.string(), select.empty() ? "" : "\n[select]\n" + select + "\n", tokenizer_extra));
  return path;
}

struct Prepared {
  fs::path dir, out;
};

Prepared prepared(const std::string& name) {
  Prepared p{testing::fresh_dir(name), {}};
  p.out = p.dir / "out";
  testing::write_tiny_tree(p.dir / "tree");
  const auto r = run_longnet(fmt::format("prepare {} --out {}", write_recipe(p.dir, p.dir / "tree").string(), p.out.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return p;
}

}  // namespace

TEST(PrepareCli, PreparesThenFindsEverythingUpToDateAndInfoPrintsTheStatistics) {
  const auto p = prepared("cli_ok");
  EXPECT_TRUE(fs::exists(p.out / "manifest.json"));
  const auto again = run_longnet(fmt::format("prepare {} --out {}", (p.dir / "recipe.toml").string(), p.out.string()));
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("tokenizer up to date"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("shards up to date"), std::string::npos) << again.err;
  EXPECT_EQ(again.out, p.out.string() + "\n");

  const auto info = run_longnet("prepare --info " + p.out.string());
  EXPECT_EQ(info.exit_code, 0) << info.err;
  for (const char* expected : {"| train |", "| valid |", "| test |", ">=128K", "non-UTF-8", "verified"}) {
    EXPECT_NE(info.out.find(expected), std::string::npos) << expected << "\n" << info.out;
  }
}

TEST(PrepareCli, UsageAndRecipeErrorsExitTwo) {
  const auto dir = testing::fresh_dir("cli_usage");
  testing::write_tiny_tree(dir / "tree");
  EXPECT_EQ(run_longnet("prepare").exit_code, 2);
  EXPECT_EQ(run_longnet("prepare " + (dir / "missing.toml").string()).exit_code, 2);

  const auto typo = run_longnet("prepare " + write_recipe(dir, dir / "tree", "vocab_sise = 100").string());
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("recipe.toml:16:"), std::string::npos) << typo.err;
  EXPECT_NE(typo.err.find("vocab_size"), std::string::npos) << typo.err;

  const auto missing_dir = run_longnet("prepare " + write_recipe(dir, dir / "nowhere").string());
  EXPECT_EQ(missing_dir.exit_code, 2);
  EXPECT_NE(missing_dir.err.find("nowhere is not a folder"), std::string::npos) << missing_dir.err;

  const auto empty = run_longnet("prepare " + write_recipe(dir, dir / "tree", "", "include = [\"*.rs\"]").string());
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("corpus is empty"), std::string::npos) << empty.err;
}

TEST(PrepareCli, AVocabularyTooLargeForTheCorpusExitsTwoAndLeavesNoShards) {
  const auto dir = testing::fresh_dir("cli_vocab");
  testing::write_tiny_tree(dir / "tree");
  const auto r = run_longnet(fmt::format("prepare --set tokenizer.vocab_size=60000 {} --out {}",
                                         write_recipe(dir, dir / "tree").string(), (dir / "out").string()));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("lower tokenizer.vocab_size"), std::string::npos) << r.err;
  for (const auto& entry : fs::directory_iterator(dir / "out")) {
    EXPECT_NE(entry.path().extension(), ".bin") << entry.path();
    EXPECT_NE(entry.path().filename(), "manifest.json");
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST(PrepareCli, AMissingDebianPackageExitsTwo) {
  const auto dir = testing::fresh_dir("cli_package");
  write_file(dir / "recipe.toml", fmt::format("[source]\nkind = \"debian\"\npackage = \"longnet-no-such-package\"\n"
                                              "cache_dir = \"{}\"\n",
                                              (dir / "cache").string()));
  const auto r = run_longnet("prepare " + (dir / "recipe.toml").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("longnet-no-such-package"), std::string::npos) << r.err;
}

TEST(PrepareCli, AnUnreadableFileExitsOne) {
  const auto dir = testing::fresh_dir("cli_unreadable");
  write_file(dir / "recipe.toml", "[source]\nkind = \"files\"\nfiles = [\"/proc/self/mem\"]\n");
  const auto r = run_longnet(fmt::format("prepare {} --out {}", (dir / "recipe.toml").string(), (dir / "out").string()));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot read /proc/self/mem"), std::string::npos) << r.err;
}

TEST(PrepareCli, InfoRejectsACorruptOrTruncatedShardWithExitOne) {
  const auto p = prepared("cli_corrupt");
  {
    std::fstream file(p.out / "train.bin", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(200);
    file.put('\x7f');
  }
  auto r = run_longnet("prepare --info " + p.out.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("train.bin is corrupt"), std::string::npos) << r.err;

  fs::resize_file(p.out / "valid.bin", fs::file_size(p.out / "valid.bin") - 4);
  fs::copy_file(p.out / "train.bin", p.out / "train.bin.bad");
  r = run_longnet(fmt::format("prepare {} --out {}", (p.dir / "recipe.toml").string(), p.out.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;  // prepare encodes the damaged shards again
  fs::resize_file(p.out / "valid.bin", fs::file_size(p.out / "valid.bin") - 4);
  r = run_longnet("prepare --info " + p.out.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("valid.bin is truncated"), std::string::npos) << r.err;
}

TEST(PrepareCli, InfoRejectsShardsOfAnotherTokenizerWithExitOne) {
  const auto p = prepared("cli_tokenizer");
  const auto other = testing::fresh_dir("cli_tokenizer_other");
  testing::tiny_tokenizer().save(other / "tokenizer.model");
  fs::copy_file(other / "tokenizer.model", p.out / "tokenizer.model", fs::copy_options::overwrite_existing);
  const auto r = run_longnet("prepare --info " + p.out.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("encoded by another tokenizer"), std::string::npos) << r.err;
}

}  // namespace longnet::data
