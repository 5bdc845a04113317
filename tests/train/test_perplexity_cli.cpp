// `longnet perplexity RUN_DIR FILE...` with a real SentencePiece tokenizer trained by the test.
#include <gtest/gtest.h>

#include "data/tokenizer_training.h"
#include "support/run_process.h"
#include "tiny_corpus.h"

namespace longnet {
namespace {

namespace fs = std::filesystem;

std::string text_line(int i) {
  return fmt::format("int value_{} = compute({}, {});\n", i % 17, i, i * 3 % 11);
}

std::string text_document(int d) {
  std::string text;
  for (int i = 0; i < 12; ++i) text += text_line(d * 12 + i);
  return text;
}

// A corpus whose shards are encoded with a tokenizer trained here.
void write_text_corpus(const fs::path& dir) {
  std::vector<std::string> sentences;
  for (int i = 0; i < 2000; ++i) sentences.push_back(text_line(i));
  data::TokenizerSettings settings;
  settings.vocab_size = 289;  // bytes, characters and meta pieces: all that this text supports
  const data::Tokenizer tokenizer = data::train_tokenizer(settings, sentences, 1);
  fs::create_directories(dir);
  tokenizer.save(dir / "tokenizer.model");
  for (const std::string split : {"train", "valid", "test"}) {
    data::ShardWriter writer(dir / (split + ".bin"), uint32_t(tokenizer.vocab_size()),
                             tokenizer.checksum());
    for (int d = 0; d < 20; ++d) writer.add_document(tokenizer.encode(text_document(d)));
    writer.commit();
  }
  const nlohmann::json manifest = {
      {"tokenizer",
       {{"file", "tokenizer.model"}, {"checksum", hex64(tokenizer.checksum())},
        {"vocab_size", tokenizer.vocab_size()}}}};
  testing::write_file_bytes(dir / "manifest.json", manifest.dump());
}

TEST(PerplexityCli, PrintsEachFileAndTheTotal) {
  testing::ScratchDir dir;
  write_text_corpus(dir / "data");
  testing::write_file_bytes(dir / "tiny.toml", testing::tiny_experiment(dir / "data", 2));
  ASSERT_EQ(testing::run_longnet(fmt::format("train {} --out {}", (dir / "tiny.toml").string(),
                                             (dir / "run").string()))
                .exit_code, 0);
  testing::write_file_bytes(dir / "a.c", text_document(3));
  testing::write_file_bytes(dir / "b.c", text_document(4) + text_document(5));
  const auto r = testing::run_longnet(fmt::format("perplexity {} {} {}", (dir / "run").string(),
                                                  (dir / "a.c").string(), (dir / "b.c").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| File | Tokens | Loss | Perplexity |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("a.c | "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("b.c | "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| total | "), std::string::npos) << r.out;

  // Another tokenizer in the run directory is refused.
  testing::write_tiny_corpus(dir / "other");
  fs::copy_file(dir / "other/tokenizer.model", dir / "run/tokenizer.model",
                fs::copy_options::overwrite_existing);
  const auto bad = testing::run_longnet(
      fmt::format("perplexity {} {}", (dir / "run").string(), (dir / "a.c").string()));
  EXPECT_EQ(bad.exit_code, 1);
}

}  // namespace
}  // namespace longnet
