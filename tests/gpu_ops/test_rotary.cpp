// XPOS rotation (and optional decay scale) against DESIGN.md section 4 written out in fp64.
#include <cmath>

#include "gpu_test_support.h"
#include "ops/cuda/rotary.h"

namespace longnet::cuda::test {
namespace {

// q/k inside a packed [B, N, 3, H, Dh] qkv buffer: strided batch and sequence.
struct Layout {
  int64_t B = 2, N = 13, H = 3, Dh = 16;
  RotaryStrides packed() const { return {N * 3 * H * Dh, 3 * H * Dh, Dh}; }
  RotaryStrides dense() const { return {N * H * Dh, H * Dh, Dh}; }
  int64_t packed_size() const { return B * N * 3 * H * Dh; }
  int64_t dense_size() const { return B * N * H * Dh; }
};

// The expected output, dense layout; direction -1 for the backward (transposed rotation).
std::vector<double> reference(const Layout& L, const RotaryShape& s, const std::vector<double>& in,
                              RotaryStrides st, int direction) {
  std::vector<double> out(L.dense_size());
  RotaryStrides d = L.dense();
  for (int64_t b = 0; b < L.B; ++b)
    for (int64_t n = 0; n < L.N; ++n)
      for (int64_t h = 0; h < L.H; ++h)
        for (int64_t j = 0; j < L.Dh / 2; ++j) {
          double p = double(s.position_offset + n);
          double angle = p * std::pow(10000.0, -2.0 * j / double(L.Dh));
          double c = std::cos(angle), sn = direction * std::sin(angle);
          double z = (2.0 * j + 0.4 * L.Dh) / (1.4 * L.Dh);
          double scale = std::pow(z, s.scale_sign * (p - double(s.scale_origin)) / s.scale_base);
          int64_t i = b * st[0] + n * st[1] + h * st[2] + 2 * j, o = b * d[0] + n * d[1] + h * d[2] + 2 * j;
          out[o] = scale * (in[i] * c - in[i + 1] * sn);
          out[o + 1] = scale * (in[i + 1] * c + in[i] * sn);
        }
  return out;
}

void check_forward_and_backward(const Layout& L, DType t, int sign) {
  RotaryShape s{L.B, L.N, L.H, L.Dh, t, 3000000, sign, 3000006, 512.f};
  auto x = stored(random_values(L.packed_size(), -1, 1, 50 + L.Dh), t);
  DeviceArray dx(x, t), fwd(L.dense_size(), t), bwd(L.dense_size(), t);
  rotary_forward(gpu(), s, dx.data(), L.packed(), fwd.data(), L.dense());
  rotary_backward(gpu(), s, dx.data(), L.packed(), bwd.data(), L.dense());
  EXPECT_TRUE(all_near(fwd.download(), reference(L, s, x, L.packed(), 1), tolerance(t), 1e-5));
  EXPECT_TRUE(all_near(bwd.download(), reference(L, s, x, L.packed(), -1), tolerance(t), 1e-5));
}

TEST(Rotary, ForwardAndBackwardAtLargePositions) {
  Layout L;
  for (DType t : {DType::f32, DType::bf16})
    for (int sign : {0, 1, -1}) {
      SCOPED_TRACE(::testing::Message() << name(t) << " scale sign " << sign);
      check_forward_and_backward(L, t, sign);
    }
}

// The kernel tiles positions (up to 16) and pairs (256), groups batches, and moves 4 units per
// thread at a time; these shapes leave partial tiles, take the one-pair path (head_dim not a
// multiple of 8), two pair tiles, blocks that loop over batches, and blocks of more units than
// one pass of the threads takes.
TEST(Rotary, OddShapesAndTiles) {
  for (Layout L : {Layout{3, 9, 5, 18}, Layout{2, 6, 2, 520}, Layout{3, 33000, 1, 8}, Layout{1, 2, 7, 2},
                   Layout{2, 40, 12, 64}})
    for (DType t : {DType::f32, DType::bf16}) {
      SCOPED_TRACE(::testing::Message() << name(t) << " B " << L.B << " N " << L.N << " H " << L.H << " Dh " << L.Dh);
      check_forward_and_backward(L, t, 1);
    }
}

TEST(Rotary, BackwardUndoesForwardWithoutScale) {
  Layout L;
  RotaryShape s{L.B, L.N, L.H, L.Dh, DType::f32, 12345, 0, 0, 512.f};
  auto x = random_values(L.dense_size(), -1, 1, 51);
  DeviceArray d(x, DType::f32);
  rotary_forward(gpu(), s, d.data(), L.dense(), d.data(), L.dense());  // in place
  rotary_backward(gpu(), s, d.data(), L.dense(), d.data(), L.dense());
  EXPECT_TRUE(all_near(d.download(), stored(x, DType::f32), 1e-5, 1e-6));
}

}  // namespace
}  // namespace longnet::cuda::test
