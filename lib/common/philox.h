#pragma once
// Philox4x32-10, the counter-based random number generator of Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3" (SC 2011). A random number is a pure function of
// (seed, stream, counter), so "element i of tensor t under seed s" is the same on the CPU and
// in a CUDA kernel, whatever the thread layout, and a resumed run draws exactly what it would
// have drawn.
//
// Layout used throughout the tool: key = seed (low word first); counter words 0-1 = counter,
// words 2-3 = stream (low word first). Element i of a stream uses block i / 4, lane i % 4.
#include <cmath>
#include <cstdint>

#include "common/host_device.h"

namespace longnet::philox {

struct Counter {
  uint32_t word[4];
};
struct Key {
  uint32_t word[2];
};
// Four independent 32-bit random words.
struct Block {
  uint32_t word[4];
};

namespace detail {
inline constexpr uint32_t kMultiplier0 = 0xD2511F53u;
inline constexpr uint32_t kMultiplier1 = 0xCD9E8D57u;
inline constexpr uint32_t kWeyl0 = 0x9E3779B9u;  // golden ratio
inline constexpr uint32_t kWeyl1 = 0xBB67AE85u;  // sqrt(3) - 1

LONGNET_HOST_DEVICE inline void mul_hi_lo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t product = static_cast<uint64_t>(a) * b;
  hi = static_cast<uint32_t>(product >> 32);
  lo = static_cast<uint32_t>(product);
}

LONGNET_HOST_DEVICE inline Counter round(Counter c, Key k) {
  uint32_t hi0, lo0, hi1, lo1;
  mul_hi_lo(kMultiplier0, c.word[0], hi0, lo0);
  mul_hi_lo(kMultiplier1, c.word[2], hi1, lo1);
  return Counter{{hi1 ^ c.word[1] ^ k.word[0], lo1, hi0 ^ c.word[3] ^ k.word[1], lo0}};
}
}  // namespace detail

// The raw generator: ten rounds, the key bumped by the Weyl constants between rounds.
LONGNET_HOST_DEVICE inline Block philox4x32_10(Counter counter, Key key) {
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      key.word[0] += detail::kWeyl0;
      key.word[1] += detail::kWeyl1;
    }
    counter = detail::round(counter, key);
  }
  return Block{{counter.word[0], counter.word[1], counter.word[2], counter.word[3]}};
}

// The tool's entry point: block number `counter` of stream `stream` under `seed`.
LONGNET_HOST_DEVICE inline Block random_block(uint64_t seed, uint64_t stream, uint64_t counter) {
  const Counter c{{static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32),
                   static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)}};
  const Key k{{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
  return philox4x32_10(c, k);
}

// Uniform in [0, 1): the top 24 bits scaled by 2^-24, exact in float on every device.
LONGNET_HOST_DEVICE inline float uniform_closed_open(uint32_t bits) {
  return static_cast<float>(bits >> 8) * 0x1.0p-24f;
}

// Uniform in (0, 1]: never zero, so it can go into a logarithm.
LONGNET_HOST_DEVICE inline float uniform_open_closed(uint32_t bits) {
  return static_cast<float>((bits >> 8) + 1u) * 0x1.0p-24f;
}

struct NormalPair {
  float first, second;
};

// Box-Muller: two independent standard normals from two random words. Computed in double and
// rounded once, so host and device results agree except when the exact value lies within a
// couple of double ulps of a float rounding boundary (about one draw in 10^8, off by one ulp).
LONGNET_HOST_DEVICE inline NormalPair box_muller(uint32_t radius_bits, uint32_t angle_bits) {
  const double u = (static_cast<double>(radius_bits) + 1.0) * 0x1.0p-32;  // (0, 1]
  const double angle = static_cast<double>(angle_bits) * 0x1.0p-32 * 6.283185307179586;
  const double radius = ::sqrt(-2.0 * ::log(u));
  return NormalPair{static_cast<float>(radius * ::cos(angle)),
                    static_cast<float>(radius * ::sin(angle))};
}

// Element `index` of stream `stream` under `seed`, uniform in [0, 1).
LONGNET_HOST_DEVICE inline float uniform_at(uint64_t seed, uint64_t stream, uint64_t index) {
  const Block b = random_block(seed, stream, index / 4);
  return uniform_closed_open(b.word[index % 4]);
}

// Element `index` of stream `stream` under `seed`, standard normal. Block index / 4 gives four
// normals: words (0, 1) make elements 0 and 1, words (2, 3) make elements 2 and 3.
LONGNET_HOST_DEVICE inline float normal_at(uint64_t seed, uint64_t stream, uint64_t index) {
  const Block b = random_block(seed, stream, index / 4);
  const unsigned lane = static_cast<unsigned>(index % 4);
  const unsigned pair = lane & ~1u;
  const NormalPair n = box_muller(b.word[pair], b.word[pair + 1]);
  return (lane & 1u) ? n.second : n.first;
}

}  // namespace longnet::philox
