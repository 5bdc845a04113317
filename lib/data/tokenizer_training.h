#pragma once
// Training the SentencePiece model on a sample of the corpus, with settings suited to code.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "data/tokenizer.h"

namespace longnet::data {

enum class TokenizerModel { unigram, bpe };
constexpr std::array<config::EnumName<TokenizerModel>, 2> enum_names(TokenizerModel) {
  return {{{TokenizerModel::unigram, "unigram"}, {TokenizerModel::bpe, "bpe"}}};
}

// The [tokenizer] table of a recipe.
struct TokenizerSettings {
  int64_t vocab_size = 32000;
  TokenizerModel model_type = TokenizerModel::unigram;
  double character_coverage = 0.9999;
  int64_t max_piece_length = 16;
  int64_t sample_sentences = 200000;
  int64_t sentence_bytes = 1024;

  template <class V>
  void visit(V& v) {
    using namespace config;
    v.field("vocab_size", vocab_size, "Vocabulary size, byte pieces and <unk>, <s>, </s> included.",
            in_range(300, 1 << 24));
    v.field("model_type", model_type, "SentencePiece algorithm.");
    v.field("character_coverage", character_coverage,
            "Share of characters the alphabet covers; rarer ones are encoded as bytes.",
            in_range(0.9, 1.0));
    v.field("max_piece_length", max_piece_length, "Longest piece, in characters.", in_range(1, 64));
    v.field("sample_sentences", sample_sentences,
            "Training sentences drawn (deterministically) from the training split.", at_least(1));
    v.field("sentence_bytes", sentence_bytes,
            "A training sentence is whole lines up to this many bytes (a longer line stands alone).",
            in_range(64, 4096));
  }
};

// Cuts `text` into pieces of whole lines of at most `max_bytes` (a longer line is a piece alone)
// and calls `on_sentence` with each, in order.
void cut_into_sentences(std::string_view text, size_t max_bytes,
                        const std::function<void(std::string_view)>& on_sentence);

// Trains a model on `sentences` (unigram or BPE; identity normalisation, whitespace kept, byte
// fallback, digits split). ConfigError when the vocabulary does not fit the text (naming
// tokenizer.vocab_size and the largest size that fits), RuntimeError for other failures.
Tokenizer train_tokenizer(const TokenizerSettings& settings, const std::vector<std::string>& sentences,
                          int threads);

}  // namespace longnet::data
