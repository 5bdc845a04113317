// The data the model sees: documents joined by </s>, windows of seq_len + 1 in a seeded order.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/error.h"
#include "tiny_corpus.h"
#include "train/token_stream.h"

namespace longnet::train {
namespace {

// The stream written out independently: every document, then the separator.
std::vector<uint32_t> expected_stream(int documents) {
  std::vector<uint32_t> out;
  for (int d = 0; d < documents; ++d) {
    const auto doc = testing::tiny_document(0, uint64_t(d));
    out.insert(out.end(), doc.begin(), doc.end());
    out.push_back(kEndOfDocument);
  }
  return out;
}

TEST(TokenStream, JoinsDocumentsWithEndOfDocumentTokens) {
  testing::ScratchDir dir;
  testing::write_tiny_corpus(dir.path(), 77, 8);
  const TokenStream stream(data::Shard::open(dir / "train.bin"));
  const std::vector<uint32_t> expected = expected_stream(8);
  ASSERT_EQ(stream.size(), expected.size());
  for (uint64_t begin : std::vector<uint64_t>{0, 1, 39, 40, 41, 100, expected.size() - 17}) {
    std::vector<uint32_t> got(17);
    stream.read(begin, got);
    EXPECT_TRUE(std::equal(got.begin(), got.end(), expected.begin() + begin)) << begin;
  }
  std::vector<uint32_t> too_far(2);
  EXPECT_THROW(stream.read(expected.size() - 1, too_far), RuntimeError);
}

TEST(WindowSampler, VisitsEveryWindowOncePerEpochInASeededOrder) {
  testing::ScratchDir dir;
  testing::write_tiny_corpus(dir.path(), 77, 8);
  const TokenStream stream(data::Shard::open(dir / "train.bin"));
  const std::vector<uint32_t> expected = expected_stream(8);
  const int64_t n = 16;
  WindowSampler a(stream, n, 1), b(stream, n, 1), c(stream, n, 2);
  ASSERT_EQ(a.windows(), (expected.size() - 1) / n);
  std::set<uint64_t> starts;
  std::vector<uint64_t> order_a, order_c;
  for (uint64_t i = 0; i < a.windows(); ++i) {
    std::vector<uint32_t> wa(n + 1), wb(n + 1), wc(n + 1);
    a.sample(i, wa);
    b.sample(i, wb);
    c.sample(i, wc);
    EXPECT_EQ(wa, wb);
    // Find which window it is: windows start at multiples of n.
    for (uint64_t w = 0; w < a.windows(); ++w) {
      if (std::equal(wa.begin(), wa.end(), expected.begin() + w * n)) {
        starts.insert(w);
        order_a.push_back(w);
      }
      if (std::equal(wc.begin(), wc.end(), expected.begin() + w * n)) order_c.push_back(w);
    }
  }
  EXPECT_EQ(starts.size(), a.windows());
  EXPECT_NE(order_a, order_c);
  // Random access: sample k alone equals sample k in sequence (a resumable cursor).
  WindowSampler fresh(stream, n, 1);
  std::vector<uint32_t> late(n + 1), again(n + 1);
  fresh.sample(a.windows() + 3, late);
  a.sample(a.windows() + 3, again);
  EXPECT_EQ(late, again);
}

TEST(WindowSampler, RefusesAStreamShorterThanOneWindow) {
  testing::ScratchDir dir;
  testing::write_tiny_corpus(dir.path(), 77, 1);
  const TokenStream stream(data::Shard::open(dir / "train.bin"));
  EXPECT_THROW(WindowSampler(stream, 4096, 1), RuntimeError);
}

}  // namespace
}  // namespace longnet::train
