#include <gtest/gtest.h>

#include "common/error.h"
#include "data/text_segments.h"
#include "data/tokenizer_training.h"
#include "tiny_corpus.h"

namespace longnet::data {

using testing::tiny_tokenizer;

namespace {

void expect_round_trip(const std::string& text) {
  const auto& tokenizer = tiny_tokenizer();
  const auto ids = tokenizer.encode(text);
  EXPECT_EQ(tokenizer.decode(ids), text) << "text: " << text;
}

}  // namespace

TEST(Tokenizer, RoundTripsCodeWithTabsTrailingSpacesAndBlankLines) {
  expect_round_trip("static int f(void)\n{\n\tint x = 1;   \n\n\n\t\treturn x;\t \n}\n");
  expect_round_trip("    four spaces\n        eight\n\t \t mixed\n");
  expect_round_trip("  leading spaces, and trailing  ");
  expect_round_trip("\n\n\n");
  expect_round_trip("\t");
  expect_round_trip(" ");
  expect_round_trip("");
  expect_round_trip("windows\r\nline\r\nends\r\n");
}

TEST(Tokenizer, RoundTripsNonAsciiAndReservedLookingText) {
  expect_round_trip("/* h\xC3\xA9llo w\xC3\xB6rld \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x98\x80 */\n");
  expect_round_trip("literal pieces: <s> </s> <unk> <0x41> <pad>\n");
  expect_round_trip("the stand-ins themselves: \xE2\x96\x81 and \xE2\x90\x89, next to a\tb c\n");
  expect_round_trip(std::string("a NUL\0byte", 10));
}

TEST(Tokenizer, KeepsAndCountsMalformedUtf8) {
  const std::string text = "ok \xFF\xFE then \xC3 truncated and latin-1 caf\xE9\n";
  std::vector<uint32_t> ids;
  const auto counts = tiny_tokenizer().encode(text, ids);
  EXPECT_EQ(tiny_tokenizer().decode(ids), text);
  EXPECT_EQ(counts.invalid_utf8_bytes, 4u);  // FF, FE, the lone C3, E9
}

TEST(Tokenizer, LearnsPiecesThatHoldTabsAndNewlines) {
  const auto& tokenizer = tiny_tokenizer();
  bool tab_piece = false, newline_piece = false;
  for (int id = 0; id < tokenizer.vocab_size(); ++id) {
    const std::string& text = tokenizer.piece_text(uint32_t(id));
    if (text.size() > 1 && text.find('\t') != std::string::npos) tab_piece = true;
    if (text.size() > 1 && text.find('\n') != std::string::npos) newline_piece = true;
  }
  // A tab only reaches a longer piece if the trainer saw it (SentencePiece's drops real tabs).
  EXPECT_TRUE(tab_piece);
  EXPECT_TRUE(newline_piece);
}

TEST(Tokenizer, EncodesLongDocumentsInPiecesWithoutLosingBytes) {
  std::string text;
  for (int seed = 0; text.size() < 100000; ++seed) text += testing::synthetic_c_file(seed, 10);
  text += std::string(40000, 'x');  // one line longer than an encoding chunk
  expect_round_trip(text);
}

TEST(Tokenizer, SavedModelLoadsWithTheSameChecksumAndIds) {
  const auto dir = testing::fresh_dir("tokenizer_save");
  tiny_tokenizer().save(dir / "t.model");
  const auto loaded = Tokenizer::load(dir / "t.model");
  EXPECT_EQ(loaded.checksum(), tiny_tokenizer().checksum());
  EXPECT_EQ(loaded.vocab_size(), 380);
  const std::string text = "\tint count = 42;\n";
  EXPECT_EQ(loaded.encode(text), tiny_tokenizer().encode(text));
}

TEST(Tokenizer, DecodingAnIdOutsideTheVocabularyFails) {
  const std::vector<uint32_t> ids = {5, 380};
  EXPECT_THROW(tiny_tokenizer().decode(ids), RuntimeError);
}

TEST(Tokenizer, VocabularyLargerThanTheTextSupportsIsAConfigError) {
  TokenizerSettings settings;
  settings.vocab_size = 5000;
  std::vector<std::string> sentences = {"int a;\n", "int b;\n", "return a + b;\n"};
  try {
    train_tokenizer(settings, sentences, 1);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.vocab_size = 5000"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("at most"), std::string::npos) << e.what();
  }
}

}  // namespace longnet::data
