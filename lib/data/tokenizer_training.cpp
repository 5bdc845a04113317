#include "data/tokenizer_training.h"

#include <sentencepiece_trainer.h>

#include <regex>
#include <unordered_map>

#include "common/error.h"
#include "data/text_segments.h"

namespace longnet::data {

namespace {

// What SentencePiece's trainer reads: the text runs of a sentence with tabs as kTabSymbol (the
// trainer drops real tabs); raw bytes are left out, they are encoded as bytes anyway.
class SentenceFeed : public sentencepiece::SentenceIterator {
 public:
  explicit SentenceFeed(const std::vector<std::string>& sentences) : sentences_(sentences) { load(); }
  bool done() const override { return index_ >= sentences_.size(); }
  void Next() override {
    ++index_;
    load();
  }
  const std::string& value() const override { return current_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void load() {
    current_.clear();
    if (done()) return;
    split_segments(
        sentences_[index_], [this](std::string_view run) { current_ += tabs_to_symbol(run); },
        [](uint8_t) {});
  }
  const std::vector<std::string>& sentences_;
  size_t index_ = 0;
  std::string current_;
};

[[noreturn]] void explain_failure(const TokenizerSettings& settings, const std::string& message) {
  std::smatch limit;
  if (std::regex_search(message, limit, std::regex("value <= ([0-9]+)"))) {
    fail<ConfigError>("tokenizer.vocab_size = {} is larger than this corpus supports (at most {} "
                      "pieces for its sampled text): lower tokenizer.vocab_size in the recipe or "
                      "add documents",
                      settings.vocab_size, limit[1].str());
  }
  if (message.find("smaller than required_chars") != std::string::npos) {
    fail<ConfigError>("tokenizer.vocab_size = {} is too small for the characters of this corpus "
                      "(SentencePiece: {}): raise tokenizer.vocab_size or lower "
                      "tokenizer.character_coverage",
                      settings.vocab_size, message);
  }
  fail<RuntimeError>("SentencePiece training failed: {}", message);
}

}  // namespace

void cut_into_sentences(std::string_view text, size_t max_bytes,
                        const std::function<void(std::string_view)>& on_sentence) {
  size_t start = 0, end = 0;
  while (end < text.size()) {
    const size_t newline = text.find('\n', end);
    const size_t line_end = newline == std::string_view::npos ? text.size() : newline + 1;
    if (line_end - start > max_bytes && end > start) {
      on_sentence(text.substr(start, end - start));
      start = end;
    }
    end = line_end;
  }
  if (end > start) on_sentence(text.substr(start, end - start));
}

Tokenizer train_tokenizer(const TokenizerSettings& settings, const std::vector<std::string>& sentences,
                          int threads) {
  if (sentences.empty()) fail<ConfigError>("no text to train the tokenizer on: the training split is empty");
  const std::unordered_map<std::string, std::string> options = {
      {"model_type", std::string(config::enum_name(settings.model_type))},
      {"vocab_size", std::to_string(settings.vocab_size)},
      {"character_coverage", std::to_string(settings.character_coverage)},
      {"max_sentencepiece_length", std::to_string(settings.max_piece_length)},
      {"input_sentence_size", "0"},  // the caller sampled already: take every sentence
      // A sentence may triple in bytes when its tabs become kTabSymbol.
      {"max_sentence_length", std::to_string(3 * settings.sentence_bytes + 16)},
      {"num_threads", std::to_string(std::max(1, threads))},
      // Code: keep every whitespace character, exactly.
      {"normalization_rule_name", "identity"},
      {"remove_extra_whitespaces", "false"},
      {"add_dummy_prefix", "false"},
      {"allow_whitespace_only_pieces", "true"},
      {"split_digits", "true"},
      {"byte_fallback", "true"},
      {"minloglevel", "2"},
  };
  SentenceFeed feed(sentences);
  std::string model;
  const auto status = sentencepiece::SentencePieceTrainer::Train(options, &feed, &model);
  if (!status.ok()) explain_failure(settings, status.ToString());
  return Tokenizer::from_serialized(std::move(model));
}

}  // namespace longnet::data
