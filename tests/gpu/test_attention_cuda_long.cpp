// Above one million tokens: every output finite (the XPOS decay is applied from a local origin,
// so nothing overflows), and sampled rows equal to the f64 reference on the keys they can see.
#include <gtest/gtest.h>

#include <random>

#include "reference_compare.h"

namespace longnet::attention {
namespace {

using testing::Operand;

void expect_all_finite(const char* what, const std::vector<float>& x) {
  size_t bad = 0;
  for (float v : x) bad += !std::isfinite(v);
  EXPECT_EQ(bad, 0u) << what << " has " << bad << " non-finite elements";
}

TEST(CudaAttentionLong, DilatedXposAboveOneMillionTokensIsFiniteAndMatchesSampledRows) {
  const int64_t n = (int64_t{1} << 20) + 37, widest = 65536;
  Spec spec;
  spec.kind = Kind::dilated;
  spec.patterns = {{2048, 1}, {8192, 4}, {widest, 16}};
  spec.xpos_scale_base = 512;
  const Problem p{.batch = 1, .heads = 2, .head_dim = 64, .seq_len = n, .q_len = n, .kv_len = n};
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const testing::Inputs in = testing::random_inputs(p, seed);
  const testing::GpuResult got = testing::run_gpu(spec, p, in, true);
  // Pattern (2048, 1) selects every row, so every lse is finite too.
  for (auto [name, x] : {std::pair{"O", &got.o}, {"lse", &got.lse}, {"dQ", &got.dq},
                         {"dK", &got.dk}, {"dV", &got.dv}}) {
    expect_all_finite(name, *x);
  }

  // Row i sees keys of its own segment only, all inside [i - i % widest, i].
  const int64_t row = p.heads * p.head_dim;
  std::mt19937_64 pick(seed);
  std::vector<int64_t> rows = {0, 2047, 2048, widest - 1, widest, n - 37, n - 2, n - 1};
  for (int i = 0; i < 6; ++i) rows.push_back(static_cast<int64_t>(pick() % n));
  std::vector<float> dq_got;
  std::vector<double> dq_want;
  for (int64_t i : rows) {
    SCOPED_TRACE("row " + std::to_string(i));
    const int64_t ks = i - i % widest;
    const Problem w{.batch = 1, .heads = p.heads, .head_dim = p.head_dim, .seq_len = n,
                    .q_start = i, .q_len = 1, .kv_start = ks, .kv_len = i + 1 - ks};
    auto rows_of = [&](const Operand& at, const std::vector<uint16_t>& buf, int64_t first,
                       int64_t count) {
      std::vector<uint16_t> out;
      for (int64_t r = first; r < first + count; ++r) {
        const uint16_t* src = buf.data() + at.offset + r * at.stride_n;
        out.insert(out.end(), src, src + row);
      }
      return out;
    };
    testing::Inputs sub;
    sub.qkv = rows_of(in.q, in.qkv, i, 1);
    for (const Operand* kv : {&in.k, &in.v}) {
      const auto part = rows_of(*kv, in.qkv, ks, w.kv_len);
      sub.qkv.insert(sub.qkv.end(), part.begin(), part.end());
    }
    sub.q = testing::contiguous(w, 1);
    sub.k = testing::contiguous(w, w.kv_len);
    sub.k.offset = row;
    sub.v = testing::contiguous(w, w.kv_len);
    sub.v.offset = row + w.kv_len * row;
    sub.d_o = rows_of(in.d_o_at, in.d_o, i, 1);
    sub.d_o_at = testing::contiguous(w, 1);
    const testing::Expected want = testing::run_reference(spec, w, sub, true);
    auto slice = [&](const std::vector<float>& x) {
      return std::vector<float>(x.begin() + i * row, x.begin() + (i + 1) * row);
    };
    testing::expect_close("O", slice(got.o), want.o, 1e-2, 1e-2);
    testing::expect_close("lse", {got.lse[i], got.lse[n + i]}, want.lse, 1e-2, 0);
    const std::vector<float> dq = slice(got.dq);
    dq_got.insert(dq_got.end(), dq.begin(), dq.end());
    dq_want.insert(dq_want.end(), want.dq.begin(), want.dq.end());
  }
  // One scale for all sampled rows: a row with one key has a dQ of rounding noise only.
  testing::expect_close("dQ", dq_got, dq_want, 2e-2 * testing::max_abs(dq_want), 2e-2, false);
}

}  // namespace
}  // namespace longnet::attention
