// Embedding lookup and its sorted, deterministic backward.
#include "gpu_test_support.h"
#include "ops/cuda/embedding.h"

namespace longnet::cuda::test {
namespace {

std::vector<int32_t> token_ids(int64_t tokens, int64_t vocab, uint64_t seed) {
  std::vector<int32_t> ids;
  for (double v : random_values(tokens, 0, double(vocab), seed)) ids.push_back(int32_t(v) % int32_t(vocab));
  ids[0] = int32_t(vocab - 1);  // the last row is reachable
  return ids;
}

TEST(Embedding, ForwardGathersRows) {
  for (DType t : {DType::f32, DType::bf16}) {
    int64_t vocab = 97, dim = 45, tokens = 301, ld_table = 48, ld_out = 50;
    auto table = stored(random_values(vocab * ld_table, -1, 1, 70), t);
    auto ids = token_ids(tokens, vocab, 71);
    DeviceArray dtable(table, t), out(tokens * ld_out, t);
    Block dids = upload(ids);
    embedding_forward(gpu(), tokens, dim, t, dids.as<int32_t>(), {dtable.data(), ld_table}, {out.data(), ld_out});
    auto got = out.download();
    std::vector<double> g, want;
    for (int64_t i = 0; i < tokens; ++i)
      for (int64_t j = 0; j < dim; ++j) {
        g.push_back(got[i * ld_out + j]);
        want.push_back(table[ids[i] * ld_table + j]);
      }
    EXPECT_TRUE(all_near(g, want, 0, 0));
  }
}

TEST(Embedding, BackwardSumsRepeatedTokensAndZeroesUnusedRows) {
  for (DType t : {DType::f32, DType::bf16}) {
    SCOPED_TRACE(name(t));
    int64_t vocab = 300, dim = 37, tokens = 2000;  // unused ids, and ids repeated many times
    auto ids = token_ids(tokens, 150, 72);
    auto dout = stored(random_values(tokens * dim, -1, 1, 73), t);
    DeviceArray ddout(dout, t), dtable(vocab * dim, DType::f32);
    Block dids = upload(ids);
    embedding_backward(gpu(), tokens, dim, vocab, dids.as<int32_t>(), t, {ddout.data(), dim}, DType::f32,
                       {dtable.data(), dim});
    std::vector<double> want(vocab * dim, 0.0);
    for (int64_t i = 0; i < tokens; ++i)
      for (int64_t j = 0; j < dim; ++j) want[ids[i] * dim + j] += dout[i * dim + j];
    EXPECT_TRUE(all_near(dtable.download(), want, 1e-5, 1e-5));
  }
}

// One id holding most tokens: its run spans many of the kernel's 32-position tiles and is added
// from their partial sums; strided rows, a width that leaves some lanes without columns, both the
// 16-byte and the element-by-element path.
TEST(Embedding, BackwardOfAFrequentIdSpreadOverManyTiles) {
  for (int64_t dim : {264, 37})
    for (DType t : {DType::f32, DType::bf16}) {
      SCOPED_TRACE(::testing::Message() << name(t) << " dim " << dim);
      const int64_t vocab = 50, tokens = 3001, ld_out = dim + 8, ld_table = dim + 16;
      auto ids = token_ids(tokens, vocab, 76);
      for (int64_t i = 0; i < tokens; ++i)
        if (i % 5 != 0) ids[i] = 7;
      auto dout = stored(random_values(tokens * ld_out, -1, 1, 77), t);
      DeviceArray ddout(dout, t), dtable(vocab * ld_table, t);
      Block dids = upload(ids);
      embedding_backward(gpu(), tokens, dim, vocab, dids.as<int32_t>(), t, {ddout.data(), ld_out}, t,
                         {dtable.data(), ld_table});
      std::vector<double> want(vocab * dim, 0.0), got;
      for (int64_t i = 0; i < tokens; ++i)
        for (int64_t j = 0; j < dim; ++j) want[ids[i] * dim + j] += dout[i * ld_out + j];
      auto all = dtable.download();
      for (int64_t v = 0; v < vocab; ++v)
        for (int64_t j = 0; j < dim; ++j) got.push_back(all[v * ld_table + j]);
      EXPECT_TRUE(all_near(got, want, tolerance(t), 1e-4));
    }
}

TEST(Embedding, BackwardGivesTheSameBitsEveryRun) {
  int64_t vocab = 32000, dim = 768, tokens = 16384;
  auto ids = token_ids(tokens, 64, 74);  // heavy repetition: long runs per id
  auto dout = random_values(tokens * dim, -1, 1, 75);
  DeviceArray ddout(dout, DType::bf16), a(vocab * dim, DType::bf16), b(vocab * dim, DType::bf16);
  Block dids = upload(ids);
  for (DeviceArray* out : {&a, &b})
    embedding_backward(gpu(), tokens, dim, vocab, dids.as<int32_t>(), DType::bf16, {ddout.data(), dim}, DType::bf16,
                       {out->data(), dim});
  EXPECT_EQ(a.bytes(), b.bytes());
}

}  // namespace
}  // namespace longnet::cuda::test
