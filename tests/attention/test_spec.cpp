// The selection rules of DESIGN.md section 3, checked on small cases worked out by hand.
#include <gtest/gtest.h>

#include "attention/spec.h"
#include "common/error.h"

namespace longnet::attention {
namespace {

Spec dilated(std::vector<Pattern> patterns, bool causal = true,
             HeadOffsets rule = HeadOffsets::interleaved) {
  Spec s;
  s.kind = Kind::dilated;
  s.patterns = std::move(patterns);
  s.causal = causal;
  s.head_offsets = rule;
  return s;
}

// Positions that query i = j selects for itself: exactly the selected positions of the head.
std::vector<int64_t> selected(const Spec& spec, int64_t n, int64_t heads, int64_t head) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i) {
    if (key_multiplicity(spec, n, heads, head, i, i) > 0) out.push_back(i);
  }
  return out;
}

std::vector<int64_t> keys_of(const Spec& spec, int64_t n, int64_t heads, int64_t head, int64_t i) {
  std::vector<int64_t> out;
  for (int64_t j = 0; j < n; ++j) {
    for (int m = key_multiplicity(spec, n, heads, head, i, j); m > 0; --m) out.push_back(j);
  }
  return out;
}

TEST(HeadOffset, InterleavedIsHeadModDilation) {
  const Pattern p{16, 3};
  std::vector<int64_t> got;
  for (int64_t h = 0; h < 8; ++h) got.push_back(head_offset(p, h, 8, HeadOffsets::interleaved));
  EXPECT_EQ(got, (std::vector<int64_t>{0, 1, 2, 0, 1, 2, 0, 1}));
}

TEST(HeadOffset, BlockedGroupsCeilHeadsOverDilation) {
  const Pattern p{16, 3};  // ceil(8 / 3) = 3 heads per offset
  std::vector<int64_t> got;
  for (int64_t h = 0; h < 8; ++h) got.push_back(head_offset(p, h, 8, HeadOffsets::blocked));
  EXPECT_EQ(got, (std::vector<int64_t>{0, 0, 0, 1, 1, 1, 2, 2}));
  // More offsets than heads: each head gets its own.
  EXPECT_EQ(head_offset(Pattern{16, 4}, 1, 2, HeadOffsets::blocked), 1);
}

TEST(Dilated, SelectsEveryRthPositionFromTheOffsetInEachSegment) {
  // w = 4, r = 2: segments [0,4) [4,8) [8,10); offset 1 selects 1 3 | 5 7 | 9.
  EXPECT_EQ(selected(dilated({{4, 2}}), 10, 2, 1), (std::vector<int64_t>{1, 3, 5, 7, 9}));
  // w = 3, r = 2 (w/r not an integer): segments [0,3) [3,6) [6,9) [9,10).
  EXPECT_EQ(selected(dilated({{3, 2}}), 10, 2, 0), (std::vector<int64_t>{0, 2, 3, 5, 6, 8, 9}));
  EXPECT_EQ(selected(dilated({{3, 2}}), 10, 2, 1), (std::vector<int64_t>{1, 4, 7}));
}

TEST(Dilated, SegmentLongerThanSequenceIsClipped) {
  EXPECT_EQ(keys_of(dilated({{100, 2}}), 9, 1, 0, 8), (std::vector<int64_t>{0, 2, 4, 6, 8}));
}

TEST(Dilated, CausalQueryGetsSelectedKeysOfItsOwnSegmentUpToItself) {
  EXPECT_EQ(keys_of(dilated({{4, 2}}), 10, 2, 1, 7), (std::vector<int64_t>{5, 7}));
  EXPECT_EQ(keys_of(dilated({{4, 2}}), 10, 2, 1, 6), (std::vector<int64_t>{}));  // not selected
  EXPECT_EQ(keys_of(dilated({{4, 2}}, false), 10, 2, 1, 5), (std::vector<int64_t>{5, 7}));
}

TEST(Dilated, KeyGivenByTwoPatternsCountsTwice) {
  const Spec spec = dilated({{4, 1}, {8, 2}});
  // Query 6: pattern (4,1) gives 4 5 6, pattern (8,2) gives 0 2 4 6.
  EXPECT_EQ(keys_of(spec, 16, 1, 0, 6), (std::vector<int64_t>{0, 2, 4, 4, 5, 6, 6}));
  EXPECT_EQ(key_multiplicity(dilated({{4, 1}, {8, 2}}, false), 16, 1, 0, 4, 6), 2);
}

TEST(Dense, IsEveryEarlierKeyOnce) {
  Spec spec;
  spec.kind = Kind::dense;
  EXPECT_EQ(keys_of(spec, 6, 1, 0, 3), (std::vector<int64_t>{0, 1, 2, 3}));
  spec.causal = false;
  EXPECT_EQ(keys_of(spec, 6, 1, 0, 3), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
}

Spec sparse(int64_t block, int64_t summary, bool causal = true) {
  Spec s;
  s.kind = Kind::sparse;
  s.sparse_block = block;
  s.sparse_summary = summary;
  s.causal = causal;
  return s;
}

TEST(Sparse, OwnBlockCausallyPlusTheHeadsSummaryOfEarlierBlocks) {
  // l = 8, c = 2: head h reads positions with j mod 8 in [8-2(g+1), 8-2g), g = h mod 4.
  const Spec spec = sparse(8, 2);
  EXPECT_EQ(keys_of(spec, 24, 4, 0, 19), (std::vector<int64_t>{6, 7, 14, 15, 16, 17, 18, 19}));
  EXPECT_EQ(keys_of(spec, 24, 4, 1, 19), (std::vector<int64_t>{4, 5, 12, 13, 16, 17, 18, 19}));
  EXPECT_EQ(keys_of(spec, 24, 8, 7, 9), (std::vector<int64_t>{0, 1, 8, 9}));  // g = 3
}

TEST(Sparse, NonCausalIsOwnBlockPlusSummaryOfEveryOtherBlock) {
  EXPECT_EQ(keys_of(sparse(8, 2, false), 24, 4, 0, 5),
            (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 14, 15, 22, 23}));
}

TEST(Flops, DenseCausalIsTwoBHNSquaredDh) {
  Spec spec;
  spec.kind = Kind::dense;
  Problem p{.batch = 2, .heads = 3, .head_dim = 8, .seq_len = 100, .q_len = 100, .kv_len = 100};
  EXPECT_DOUBLE_EQ(forward_flops(spec, p), 2.0 * 2 * 3 * 100 * 100 * 8);
  spec.causal = false;
  EXPECT_DOUBLE_EQ(forward_flops(spec, p), 4.0 * 2 * 3 * 100 * 100 * 8);
}

TEST(Flops, DilatedSumsTwoBHNWDhOverRSquaredPerPattern) {
  Problem p{.batch = 2, .heads = 3, .head_dim = 8, .seq_len = 100, .q_len = 100, .kv_len = 100};
  EXPECT_DOUBLE_EQ(forward_flops(dilated({{50, 2}, {400, 4}}), p),
                   2.0 * 2 * 3 * 100 * 8 * (50.0 / 4 + 100.0 / 16));
}

TEST(Flops, SparseCountsOwnBlockAndEarlierSummaries) {
  Problem p{.batch = 1, .heads = 2, .head_dim = 8, .seq_len = 64, .q_len = 64, .kv_len = 64};
  // Non-causal keys per query: 16 own + 4 per each of the 3 other blocks = 28; causal halves.
  EXPECT_DOUBLE_EQ(forward_flops(sparse(16, 4), p), 4.0 * 2 * 64 * 8 * 28 / 2);
}

TEST(Describe, NamesKindPatternsAndOptions) {
  Spec spec = dilated({{2048, 1}, {4096, 2}});
  spec.xpos_scale_base = 512;
  EXPECT_EQ(describe(spec), "dilated w/r=2048/1,4096/2 offsets=interleaved causal xpos=512");
  EXPECT_EQ(describe(sparse(2048, 128, false)), "sparse block=2048 summary=128 non-causal");
}

TEST(Validate, RejectsEmptyOrNonPositivePatternsAndWindowsOutsideTheSequence) {
  EXPECT_THROW(validate(dilated({})), ConfigError);
  EXPECT_THROW(validate(dilated({{0, 1}})), ConfigError);
  EXPECT_THROW(validate(dilated({{8, 0}})), ConfigError);
  EXPECT_THROW(validate(sparse(8, 16)), ConfigError);
  Problem p{.seq_len = 10, .q_start = 5, .q_len = 6, .kv_len = 10};
  EXPECT_THROW(validate(dilated({{4, 1}}), p), RuntimeError);
  p.q_len = 5;
  EXPECT_NO_THROW(validate(dilated({{4, 1}}), p));
}

}  // namespace
}  // namespace longnet::attention
