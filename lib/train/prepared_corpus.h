#pragma once
// A corpus as `longnet prepare` left it (manifest.json, tokenizer.model, <split>.bin), opened
// with every check that protects a run from mixing data: the manifest and tokenizer exist, and
// each shard was encoded by that tokenizer.
#include <cstdint>
#include <filesystem>
#include <string>

#include "train/token_stream.h"

namespace longnet::train {

struct PreparedCorpus {
  std::filesystem::path dir;
  uint64_t tokenizer_checksum = 0;
  int64_t vocab_size = 0;

  std::filesystem::path tokenizer_file() const;
  // The split's shard as a token stream; RuntimeError naming the file and what to do when it is
  // missing, damaged or encoded by another tokenizer.
  TokenStream open_split(const std::string& split) const;
};

// RuntimeError naming the directory and the `longnet prepare` command when it is not prepared.
PreparedCorpus open_prepared_corpus(const std::filesystem::path& dir);

}  // namespace longnet::train
