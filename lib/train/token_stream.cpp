#include "train/token_stream.h"

#include <algorithm>
#include <numeric>

#include "common/error.h"
#include "common/philox.h"

namespace longnet::train {
namespace {

// Philox streams of the data order, far from those of dropout (model forward).
constexpr uint64_t kDataStreams = uint64_t{1} << 48;

}  // namespace

TokenStream::TokenStream(data::Shard shard, uint32_t end_of_document)
    : shard_(std::move(shard)),
      separator_(end_of_document),
      size_(shard_.token_count() + shard_.document_count()) {}

void TokenStream::read(uint64_t begin, std::span<uint32_t> out) const {
  if (begin + out.size() > size_)
    fail<RuntimeError>("token stream: positions [{}, {}) past its end {}", begin,
                       begin + out.size(), size_);
  // Document d occupies stream positions [offset_d + d, offset_{d+1} + d], the last one its
  // separator. Find the document of `begin` by bisection over the documents.
  uint64_t lo = 0, hi = shard_.document_count();
  while (hi - lo > 1) {
    const uint64_t mid = (lo + hi) / 2;
    if (shard_.document(mid).first + mid <= begin) lo = mid; else hi = mid;
  }
  size_t filled = 0;
  for (uint64_t d = lo; filled < out.size(); ++d) {
    const auto [first, last] = shard_.document(d);
    const uint64_t doc_begin = first + d, doc_end = last + d + 1;  // separator included
    const uint64_t from = std::max(doc_begin, begin + filled);
    const uint64_t tokens_end = std::min<uint64_t>(last + d, begin + out.size());
    if (from < tokens_end) {
      shard_.read_tokens(from - d, out.subspan(filled, tokens_end - from));
      filled += tokens_end - from;
    }
    if (filled < out.size() && begin + filled == doc_end - 1) out[filled++] = separator_;
  }
}

uint64_t TokenStream::window_count(int64_t length) const {
  return size_ > 0 ? (size_ - 1) / uint64_t(length) : 0;
}

WindowSampler::WindowSampler(const TokenStream& stream, int64_t seq_len, uint64_t seed)
    : stream_(stream), seq_len_(seq_len), seed_(seed), order_size_(stream.window_count(seq_len)) {
  if (order_size_ == 0)
    fail<RuntimeError>(
        "training split has {} tokens, fewer than one window of train.seq_len + 1 = {}; use a "
        "smaller seq_len or a larger corpus",
        stream.size(), seq_len + 1);
}

void WindowSampler::sample(uint64_t index, std::span<uint32_t> out) {
  const int64_t epoch = int64_t(index / order_size_);
  if (epoch != epoch_) {
    // Fisher-Yates with Philox(seed, kDataStreams + epoch): the same order on every machine.
    order_.resize(order_size_);
    std::iota(order_.begin(), order_.end(), uint64_t{0});
    for (uint64_t i = order_size_ - 1; i > 0; --i) {
      const philox::Block b = philox::random_block(seed_, kDataStreams + uint64_t(epoch), i);
      const uint64_t r = (uint64_t(b.word[1]) << 32) | b.word[0];
      std::swap(order_[i], order_[r % (i + 1)]);
    }
    epoch_ = epoch;
  }
  stream_.read(order_[index % order_size_] * uint64_t(seq_len_), out.first(size_t(seq_len_ + 1)));
}

}  // namespace longnet::train
