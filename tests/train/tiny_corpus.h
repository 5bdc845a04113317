#pragma once
// A prepared corpus small enough for tests, written the way `longnet prepare` lays it out
// (manifest.json, tokenizer.model, {train,valid,test}.bin) with synthetic documents: each is an
// arithmetic sequence of token ids modulo the vocabulary, so a model can learn it quickly. The
// tokenizer file is a stand-in (training and eval only check that it exists and copy it).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/hash.h"
#include "data/shard.h"
#include "support/scratch_dir.h"

namespace longnet::testing {

inline constexpr uint32_t kTinyVocab = 32;
inline constexpr uint32_t kFirstTextId = 3;  // 0-2: <unk>, <s>, </s>

// Document d of a split with a given seed: length and stride vary with d.
inline std::vector<uint32_t> tiny_document(uint64_t seed, uint64_t d) {
  const uint32_t span = kTinyVocab - kFirstTextId;
  const uint32_t stride = uint32_t(1 + (d * 7 + seed) % 3);
  const size_t length = 40 + size_t((d * 13 + seed) % 50);
  std::vector<uint32_t> tokens(length);
  for (size_t i = 0; i < length; ++i)
    tokens[i] = kFirstTextId + uint32_t((d * 5 + seed + i * stride) % span);
  return tokens;
}

// Writes the corpus; `tokenizer_checksum` distinguishes corpora "encoded by other tokenizers".
inline void write_tiny_corpus(const std::filesystem::path& dir, uint64_t tokenizer_checksum = 77,
                              int documents = 60) {
  std::filesystem::create_directories(dir);
  write_file_bytes(dir / "tokenizer.model", "stand-in tokenizer");
  nlohmann::json splits;
  const std::vector<std::pair<std::string, int>> sizes = {
      {"train", documents}, {"valid", documents / 4}, {"test", documents / 4}};
  for (size_t s = 0; s < sizes.size(); ++s) {
    data::ShardWriter writer(dir / (sizes[s].first + ".bin"), kTinyVocab, tokenizer_checksum);
    for (int d = 0; d < sizes[s].second; ++d) writer.add_document(tiny_document(s, uint64_t(d)));
    writer.commit();
    splits[sizes[s].first] = {{"shard", sizes[s].first + ".bin"}};
  }
  const nlohmann::json manifest = {
      {"name", "tiny"},
      {"tokenizer",
       {{"file", "tokenizer.model"}, {"checksum", hex64(tokenizer_checksum)},
        {"vocab_size", kTinyVocab}}},
      {"splits", splits}};
  write_file_bytes(dir / "manifest.json", manifest.dump(2));
}

// An experiment config for a tiny model on the corpus in `data_dir`.
inline std::string tiny_experiment(const std::filesystem::path& data_dir, int steps = 30) {
  return fmt::format(R"([model]
layers = 1
dim = 16
heads = 2
ffn_dim = 32

[attention]
kind = "dilated"
segment_lengths = [8, 16]
dilation_rates = [1, 2]

[data]
dir = "{}"

[train]
seq_len = 16
tokens_per_step = 64
micro_batch = 2
steps = {}
lr = 1e-2
warmup_steps = 2
eval_every = 10
eval_tokens = 256
checkpoint_every = 10
log_every = 1
device = "cpu"

[eval]
lengths = [16, 32]
max_tokens = 256
)",
                     data_dir.string(), steps);
}

}  // namespace longnet::testing
