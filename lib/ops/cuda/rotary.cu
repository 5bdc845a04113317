#include <algorithm>

#include "ops/cuda/kernel_support.cuh"
#include "ops/cuda/rotary.h"

namespace longnet::cuda {

namespace {

using namespace detail;

struct Args {
  RotaryShape s;
  const void* in;
  void* out;
  int64_t is[3], os[3];  // plain arrays: std::array is host-only in device code
  float direction;  // +1 forward, -1 backward (the transposed rotation)
};

// A block covers `positions` consecutive positions (up to 16) and up to kPairs pairs of every head
// and of its batches. The angle and scale depend on (position, pair) only, so the block computes
// them once into shared memory (the fp64 angle reduction is costly) and every batch and head reuses
// them: the element loop is a plain stream, kUnroll 16-byte loads in flight per thread.
constexpr int kThreads = 256, kPairs = 256, kTable = 2048, kMaxPositions = 16, kUnroll = 4;

struct Turn {
  float cos, sin, scale, unused;  // 16 bytes: one shared-memory access
};

__device__ Turn turn_at(const Args& a, int64_t p, int64_t j) {
  double inv_freq = exp(-double(2 * j) / double(a.s.head_dim) * 9.210340371976184);  // ln(10000)
  double angle = fmod(double(p) * inv_freq, 6.283185307179586);
  Turn t{};
  sincosf(float(angle), &t.sin, &t.cos);
  t.sin *= a.direction;
  t.scale = 1.f;
  if (a.s.scale_sign != 0) {
    float z = (2.f * j + 0.4f * a.s.head_dim) / (1.4f * a.s.head_dim);
    t.scale = powf(z, float(a.s.scale_sign) * float(p - a.s.scale_origin) / a.s.scale_base);
  }
  return t;
}

__device__ __forceinline__ void rotate(const Turn& t, float& x0, float& x1) {
  const float y0 = t.scale * (x0 * t.cos - x1 * t.sin), y1 = t.scale * (x1 * t.cos + x0 * t.sin);
  x0 = y0, x1 = y1;
}

// Grid: (position tiles, pair tiles, batch groups). kVec: a unit is 8 elements (4 pairs) moved
// with 16-byte accesses; else one pair.
template <bool kVec>
__global__ void __launch_bounds__(kThreads, 4) rotary_kernel(Args a, int tile_positions) {
  extern __shared__ Turn turns[];  // [position][pair of the tile]
  const int64_t half = a.s.head_dim / 2;
  const int64_t n0 = int64_t(blockIdx.x) * tile_positions, j0 = int64_t(blockIdx.y) * kPairs;
  const int positions = int(min(int64_t(tile_positions), a.s.seq - n0)), pairs = int(min(int64_t(kPairs), half - j0));
  for (int e = threadIdx.x; e < positions * pairs; e += kThreads)
    turns[e] = turn_at(a, a.s.position_offset + n0 + e / pairs, j0 + e % pairs);
  __syncthreads();

  constexpr int kPairsPerUnit = kVec ? 4 : 1, kUnits = kVec ? kUnroll : 1;
  const int units_per_head = pairs / kPairsPerUnit;
  const int units = positions * int(a.s.heads) * units_per_head;
  // Unit u: position n, head h, pair group c; its element offset given the strides.
  auto offset = [&](const int64_t (&st)[3], int64_t b, int u) {
    const int c = u % units_per_head, rest = u / units_per_head;
    return b * st[0] + (n0 + rest / int(a.s.heads)) * st[1] + (rest % int(a.s.heads)) * st[2] +
           2 * (j0 + int64_t(c) * kPairsPerUnit);
  };
  for (int64_t b = blockIdx.z; b < a.s.batch; b += gridDim.z)
    for (int u0 = threadIdx.x; u0 < units; u0 += kThreads * kUnits) {
      float v[kUnits][8];
#pragma unroll
      for (int k = 0; k < kUnits; ++k) {  // every load first
        const int u = u0 + k * kThreads;
        if (u >= units) break;
        const int64_t in = offset(a.is, b, u);
        if constexpr (kVec) {
          load8(a.in, a.s.dtype, in, v[k]);
        } else {
          v[k][0] = load(a.in, a.s.dtype, in), v[k][1] = load(a.in, a.s.dtype, in + 1);
        }
      }
#pragma unroll
      for (int k = 0; k < kUnits; ++k) {
        const int u = u0 + k * kThreads;
        if (u >= units) break;
        const Turn* t = turns + (u / units_per_head / int(a.s.heads)) * pairs + (u % units_per_head) * kPairsPerUnit;
#pragma unroll
        for (int q = 0; q < kPairsPerUnit; ++q) rotate(t[q], v[k][2 * q], v[k][2 * q + 1]);
        const int64_t out = offset(a.os, b, u);
        if constexpr (kVec) {
          store8(a.out, a.s.dtype, out, v[k]);
        } else {
          store(a.out, a.s.dtype, out, v[k][0]), store(a.out, a.s.dtype, out + 1, v[k][1]);
        }
      }
    }
}

void launch(DeviceContext& ctx, const RotaryShape& s, const void* in, RotaryStrides is, void* out, RotaryStrides os,
            float direction) {
  if (s.head_dim <= 0 || s.head_dim % 2)
    raise_error("rotary: head_dim " + std::to_string(s.head_dim) + " must be positive and even");
  if (s.batch <= 0 || s.seq <= 0 || s.heads <= 0) return;
  if (s.heads * kTable > INT32_MAX) raise_error("rotary: " + std::to_string(s.heads) + " heads is more than the kernel takes");
  Args a{s, in, out, {is[0], is[1], is[2]}, {os[0], os[1], os[2]}, direction};
  // 8-element units need head_dim % 8 == 0 (a pair tile, 256 pairs, is then whole units too).
  bool vec = s.head_dim % 8 == 0 && aligned16(in) && aligned16(out);
  for (int d = 0; d < 3; ++d) vec = vec && is[d] % 8 == 0 && os[d] % 8 == 0;
  const int64_t tile_pairs = std::min<int64_t>(s.head_dim / 2, kPairs);
  const int tile_positions = int(std::min<int64_t>(kMaxPositions, kTable / tile_pairs));
  const int64_t position_tiles = (s.seq + tile_positions - 1) / tile_positions,
                pair_tiles = (s.head_dim / 2 + kPairs - 1) / kPairs;
  if (position_tiles > INT32_MAX || pair_tiles > 65535)
    raise_error("rotary: seq " + std::to_string(s.seq) + " and head_dim " + std::to_string(s.head_dim) + " are more than one launch takes");
  // About two blocks per slot of the GPU; each further batch of a block reuses its table.
  const int64_t batch_groups = std::min<int64_t>({s.batch, 65535, std::max<int64_t>(1, 2048 / (position_tiles * pair_tiles))});
  const dim3 grid{unsigned(position_tiles), unsigned(pair_tiles), unsigned(batch_groups)};
  const size_t shared = sizeof(Turn) * tile_positions * tile_pairs;
  if (vec)
    rotary_kernel<true><<<grid, kThreads, shared, ctx.stream()>>>(a, tile_positions);
  else
    rotary_kernel<false><<<grid, kThreads, shared, ctx.stream()>>>(a, tile_positions);
  check_launch("rotary_kernel");
}

}  // namespace

void rotary_forward(DeviceContext& ctx, const RotaryShape& s, const void* in, RotaryStrides in_stride, void* out,
                    RotaryStrides out_stride) {
  launch(ctx, s, in, in_stride, out, out_stride, 1.f);
}

void rotary_backward(DeviceContext& ctx, const RotaryShape& s, const void* dout, RotaryStrides dout_stride, void* din,
                     RotaryStrides din_stride) {
  launch(ctx, s, dout, dout_stride, din, din_stride, -1.f);
}

}  // namespace longnet::cuda
