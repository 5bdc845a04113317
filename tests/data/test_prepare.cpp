#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <set>

#include "common/error.h"
#include "data/corpus.h"
#include "data/prepare.h"
#include "data/shard.h"
#include "tiny_corpus.h"

namespace longnet::data {

namespace fs = std::filesystem;
using testing::read_file;
using testing::write_file;

namespace {

Recipe tiny_recipe(const fs::path& tree, const fs::path& out) {
  Recipe recipe;
  recipe.name = "tiny";
  recipe.output = out.string();
  recipe.source.kind = SourceKind::directory;
  recipe.source.path = tree.string();
  recipe.documents.unit = DocumentUnit::directory;
  recipe.documents.header = "// file: {path}";
  recipe.split = {0.25, 0.25, 0};
  recipe.tokenizer.vocab_size = 380;
  recipe.tokenizer.sample_sentences = 2000;
  return recipe;
}

// Every document of every shard, decoded, by split.
std::map<std::string, std::multiset<std::string>> decoded_documents(const fs::path& out) {
  const auto tokenizer = Tokenizer::load(out / kTokenizerFile);
  std::map<std::string, std::multiset<std::string>> documents;
  for (const char* split : {"train", "valid", "test"}) {
    const auto shard = Shard::open(out / shard_file_name(split), tokenizer.checksum());
    for (uint64_t d = 0; d < shard.document_count(); ++d) {
      documents[split].insert(tokenizer.decode(shard.document_tokens(d)));
    }
  }
  return documents;
}

// What the recipe says a directory document is: its files in path order, each behind a header.
std::multiset<std::string> expected_directory_documents(const fs::path& tree) {
  std::map<std::string, std::map<std::string, std::string>> by_directory;
  for (const auto& entry : fs::recursive_directory_iterator(tree)) {
    if (!entry.is_regular_file()) continue;
    const std::string relative = entry.path().lexically_relative(tree).generic_string();
    const std::string dir = entry.path().parent_path() == tree ? "." : entry.path().parent_path().lexically_relative(tree).generic_string();
    by_directory[dir][relative] = read_file(entry.path());
  }
  std::multiset<std::string> documents;
  for (const auto& [dir, files] : by_directory) {
    std::string text;
    size_t k = 0;
    for (const auto& [path, content] : files) {
      text += "// file: " + path + "\n" + content;
      if (++k < files.size() && !content.ends_with("\n")) text += "\n";
    }
    documents.insert(text);
  }
  return documents;
}

fs::file_time_type modified(const fs::path& path) { return fs::last_write_time(path); }

}  // namespace

TEST(Prepare, ShardsHoldEveryDocumentExactlyOnce) {
  const auto dir = testing::fresh_dir("prepare_exact");
  testing::write_tiny_tree(dir / "tree");
  write_file(dir / "tree/kernel/no_newline_at_end.h", "#define X 1");
  prepare_corpus(tiny_recipe(dir / "tree", dir / "out"), {});

  std::multiset<std::string> all;
  size_t tokens = 0;
  for (const auto& [split, documents] : decoded_documents(dir / "out")) all.insert(documents.begin(), documents.end());
  EXPECT_EQ(all, expected_directory_documents(dir / "tree"));

  const auto manifest = read_manifest(dir / "out");
  for (const char* split : {"train", "valid", "test"}) {
    tokens += manifest["splits"][split]["tokens"].get<size_t>();
    EXPECT_EQ(manifest["splits"][split]["documents"].get<size_t>(), decoded_documents(dir / "out")[split].size());
  }
  EXPECT_EQ(manifest["totals"]["tokens"].get<size_t>(), tokens);
  EXPECT_EQ(manifest["totals"]["documents"].get<size_t>(), 5u);  // kernel, mm, fs/ext4, lib and "."
  EXPECT_EQ(manifest["totals"]["non_utf8_bytes"].get<size_t>(), 0u);
}

TEST(Prepare, RunningTwiceRedoesNothingAndAChangedFileRedoesBothStages) {
  const auto dir = testing::fresh_dir("prepare_twice");
  testing::write_tiny_tree(dir / "tree");
  const auto recipe = tiny_recipe(dir / "tree", dir / "out");
  const auto first = prepare_corpus(recipe, {});
  EXPECT_TRUE(first.trained_tokenizer);
  EXPECT_TRUE(first.wrote_shards);
  const auto stamp = modified(dir / "out/train.bin");

  const auto second = prepare_corpus(recipe, {});
  EXPECT_FALSE(second.trained_tokenizer);
  EXPECT_FALSE(second.wrote_shards);
  EXPECT_EQ(modified(dir / "out/train.bin"), stamp);

  write_file(dir / "tree/mm/file0.c", testing::synthetic_c_file(99, 30));
  const auto third = prepare_corpus(recipe, {});
  EXPECT_TRUE(third.trained_tokenizer);
  EXPECT_TRUE(third.wrote_shards);
}

TEST(Prepare, ACorruptShardIsEncodedAgain) {
  const auto dir = testing::fresh_dir("prepare_corrupt");
  testing::write_tiny_tree(dir / "tree");
  const auto recipe = tiny_recipe(dir / "tree", dir / "out");
  prepare_corpus(recipe, {});
  fs::resize_file(dir / "out/train.bin", fs::file_size(dir / "out/train.bin") - 1);
  const auto again = prepare_corpus(recipe, {});
  EXPECT_FALSE(again.trained_tokenizer);
  EXPECT_TRUE(again.wrote_shards);
  EXPECT_NO_THROW(verify_prepared(dir / "out", read_manifest(dir / "out")));
}

TEST(Prepare, SplitsAreTheSameWhateverTheThreadCount) {
  const auto dir = testing::fresh_dir("prepare_threads");
  testing::write_tiny_tree(dir / "tree");
  for (int i = 0; i < 12; ++i) write_file(dir / fmt::format("tree/extra{}/a.c", i), testing::synthetic_c_file(i, 3));
  auto recipe = tiny_recipe(dir / "tree", dir / "one");
  prepare_corpus(recipe, {dir / "one", 1, ""});
  prepare_corpus(recipe, {dir / "two", 2, ""});
  const auto one = read_manifest(dir / "one"), two = read_manifest(dir / "two");
  for (const char* split : {"train", "valid", "test"}) {
    EXPECT_EQ(one["splits"][split]["documents"], two["splits"][split]["documents"]) << split;
    EXPECT_EQ(one["splits"][split]["bytes"], two["splits"][split]["bytes"]) << split;
  }
  EXPECT_GT(one["splits"]["valid"]["documents"].get<int>() + one["splits"]["test"]["documents"].get<int>(), 0);
}

TEST(Prepare, MalformedUtf8IsKeptAndCounted) {
  const auto dir = testing::fresh_dir("prepare_utf8");
  testing::write_tiny_tree(dir / "tree");
  const std::string latin1 = "/* caf\xE9 na\xEFve \xFF */\n";
  write_file(dir / "tree/lib/latin1.c", latin1);
  prepare_corpus(tiny_recipe(dir / "tree", dir / "out"), {});
  EXPECT_EQ(read_manifest(dir / "out")["totals"]["non_utf8_bytes"].get<int>(), 3);
  bool found = false;
  for (const auto& [split, documents] : decoded_documents(dir / "out")) {
    for (const auto& d : documents) found |= d.find(latin1) != std::string::npos;
  }
  EXPECT_TRUE(found);
}

TEST(Prepare, BadInputsAreReportedWithTheirKind) {
  const auto dir = testing::fresh_dir("prepare_bad");
  testing::write_tiny_tree(dir / "tree");
  auto recipe = tiny_recipe(dir / "tree", dir / "out");

  auto missing = recipe;
  missing.source.path = (dir / "no_such_dir").string();
  EXPECT_THROW(prepare_corpus(missing, {}), ConfigError);

  auto empty = recipe;
  empty.select.include = {"*.rs"};
  EXPECT_THROW(prepare_corpus(empty, {}), ConfigError);

  auto too_big = recipe;
  too_big.tokenizer.vocab_size = 60000;
  EXPECT_THROW(prepare_corpus(too_big, {}), ConfigError);
  EXPECT_FALSE(fs::exists(dir / "out/manifest.json"));
  for (const auto& entry : fs::directory_iterator(dir / "out")) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST(Prepare, AFileThatCannotBeReadIsNamed) {
  // Reading /proc/self/mem from offset 0 fails with EIO even for root.
  Recipe recipe;
  recipe.source.kind = SourceKind::files;
  recipe.source.files = {"/proc/self/mem"};
  try {
    list_corpus_files(recipe);
    FAIL() << "expected a RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read /proc/self/mem"), std::string::npos) << e.what();
  }

  const auto dir = testing::fresh_dir("prepare_vanished");
  testing::write_tiny_tree(dir / "tree");
  const auto files = list_corpus_files(tiny_recipe(dir / "tree", dir / "out"));
  const auto documents = form_documents(files, {DocumentUnit::file, "", 1});
  fs::remove(dir / "tree" / files.files[0].path);
  try {
    read_document(files, documents[0], {DocumentUnit::file, "", 1});
    FAIL() << "expected a RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(files.files[0].path), std::string::npos) << e.what();
  }
}

}  // namespace longnet::data
