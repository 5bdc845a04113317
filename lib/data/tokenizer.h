#pragma once
// A trained SentencePiece model wrapped for exact, byte-for-byte round trips on source code:
// decode(encode(text)) == text for any bytes, tabs, runs of spaces, blank lines and malformed
// UTF-8 included (text_segments.h says how).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace longnet::data {

struct EncodeCounts {
  uint64_t invalid_utf8_bytes = 0;
  uint64_t raw_bytes = 0;  // bytes that bypassed SentencePiece as byte tokens
};

class Tokenizer {
 public:
  // Loads a model file written by save() or by SentencePiece; RuntimeError when unreadable.
  static Tokenizer load(const std::filesystem::path& model_file);
  // From the bytes of a serialized SentencePiece model.
  static Tokenizer from_serialized(std::string model);

  // Writes the model to `model_file` (via a temporary file and a rename).
  void save(const std::filesystem::path& model_file) const;

  int vocab_size() const;
  // hash64 of the serialized model: what shards record to tie their ids to this tokenizer.
  uint64_t checksum() const;

  // Appends the ids of `text` to `ids`. Thread-safe.
  EncodeCounts encode(std::string_view text, std::vector<uint32_t>& ids) const;
  std::vector<uint32_t> encode(std::string_view text) const;
  // The exact bytes the ids stand for; RuntimeError for an id outside the vocabulary.
  std::string decode(std::span<const uint32_t> ids) const;
  // The text of one piece as decode() writes it ("" for control pieces).
  const std::string& piece_text(uint32_t id) const;

 private:
  struct Model;
  explicit Tokenizer(std::shared_ptr<const Model> model);
  std::shared_ptr<const Model> model_;
};

}  // namespace longnet::data
