#pragma once
// The training data as the model sees it (DESIGN.md section 4): the documents of one shard
// joined into one stream, each followed by an end-of-sequence token, cut into windows of
// seq_len + 1 tokens (inputs and the targets shifted by one).
#include <cstdint>
#include <span>
#include <vector>

#include "data/shard.h"

namespace longnet::train {

// SentencePiece's id of </s>; `longnet prepare` keeps SentencePiece's default ids.
inline constexpr uint32_t kEndOfDocument = 2;

class TokenStream {
 public:
  TokenStream(data::Shard shard, uint32_t end_of_document = kEndOfDocument);
  // Tokens of the stream: every document's tokens plus one separator each.
  uint64_t size() const { return size_; }
  // Copies stream positions [begin, begin + out.size()); RuntimeError past the end.
  void read(uint64_t begin, std::span<uint32_t> out) const;
  // Non-overlapping windows of `length` + 1 tokens starting at multiples of `length`.
  uint64_t window_count(int64_t length) const;

 private:
  data::Shard shard_;
  uint32_t separator_;
  uint64_t size_;
};

// Training samples: window i of the stream in an order fixed by the seed, reshuffled each pass
// (epoch). Sample k is a pure function of (seed, k), so a data cursor is one integer and ranks
// can split a step's samples by index.
class WindowSampler {
 public:
  // RuntimeError when the stream holds no full window of seq_len + 1 tokens.
  WindowSampler(const TokenStream& stream, int64_t seq_len, uint64_t seed);
  uint64_t windows() const { return order_size_; }
  // The seq_len + 1 tokens of sample `index` (any index; epochs wrap).
  void sample(uint64_t index, std::span<uint32_t> out);

 private:
  const TokenStream& stream_;
  int64_t seq_len_;
  uint64_t seed_;
  uint64_t order_size_;
  int64_t epoch_ = -1;
  std::vector<uint64_t> order_;
};

}  // namespace longnet::train
