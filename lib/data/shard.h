#pragma once
// Token shards (DESIGN.md section 5). One file, little-endian:
//
//   header, 56 bytes:  magic "LNSHARD\0" | u32 format version | u32 bytes per token (2 or 4)
//                      | u32 vocabulary size | u32 zero | u64 tokenizer checksum
//                      | u64 token count | u64 document count | u64 checksum
//   tokens:            token count x (u16 when the vocabulary fits, else u32)
//   document offsets:  (document count + 1) x u64, from 0 to the token count
//
// checksum = hash64(header with the checksum field zeroed, then the 8 bytes of the Hash64 of
// everything after the header). open() verifies it, so truncation and corruption are caught.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "common/atomic_file.h"
#include "common/hash.h"

namespace longnet::data {

inline constexpr uint32_t kShardFormatVersion = 1;

struct ShardHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t token_bytes;
  uint32_t vocab_size;
  uint32_t reserved;
  uint64_t tokenizer_checksum;
  uint64_t token_count;
  uint64_t document_count;
  uint64_t checksum;
};
static_assert(sizeof(ShardHeader) == 56);

// Writes a shard document by document; nothing is visible at `path` before commit().
class ShardWriter {
 public:
  ShardWriter(const std::filesystem::path& path, uint32_t vocab_size, uint64_t tokenizer_checksum);
  void add_document(std::span<const uint32_t> tokens);
  // Writes the offsets and the header and renames the file into place. Returns the checksum.
  uint64_t commit();

 private:
  AtomicWriter file_;
  ShardHeader header_{};
  std::vector<uint64_t> offsets_{0};
  Hash64 body_hash_;
  std::vector<uint8_t> buffer_;
};

// A shard mapped read-only into memory.
class Shard {
 public:
  // Verifies size, magic, version and checksum; with `expected_tokenizer`, also that the shard
  // was encoded by that tokenizer. RuntimeError that names the file and what to do otherwise.
  static Shard open(const std::filesystem::path& path,
                    std::optional<uint64_t> expected_tokenizer = std::nullopt);

  const ShardHeader& header() const { return *header_; }
  uint64_t token_count() const { return header_->token_count; }
  uint64_t document_count() const { return header_->document_count; }
  uint32_t vocab_size() const { return header_->vocab_size; }
  uint64_t tokenizer_checksum() const { return header_->tokenizer_checksum; }
  uint64_t checksum() const { return header_->checksum; }

  uint32_t token(uint64_t index) const;
  // Copies tokens [begin, begin + out.size()) into `out`.
  void read_tokens(uint64_t begin, std::span<uint32_t> out) const;
  // Token range [first, second) of document `index`.
  std::pair<uint64_t, uint64_t> document(uint64_t index) const;
  std::vector<uint32_t> document_tokens(uint64_t index) const;

 private:
  struct Mapping;
  std::shared_ptr<const Mapping> mapping_;
  const ShardHeader* header_ = nullptr;
  const uint8_t* tokens_ = nullptr;
  const uint64_t* offsets_ = nullptr;
};

}  // namespace longnet::data
