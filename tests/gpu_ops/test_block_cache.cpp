// The caching allocator's bookkeeping, over a fake raw allocator (no GPU needed).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "common/error.h"
#include "ops/cuda/block_cache.h"

namespace longnet::cuda {
namespace {

struct FakeRaw {
  int64_t calls = 0, live = 0;
  size_t capacity = size_t(1) << 40;
  size_t used = 0;
  std::map<void*, size_t> sizes;

  BlockCache::Backend backend() {
    return {"fake device",
            [this](size_t bytes) -> void* {
              if (used + bytes > capacity) return nullptr;
              ++calls, ++live, used += bytes;
              void* p = std::malloc(bytes);
              sizes[p] = bytes;
              return p;
            },
            [this](void* p) {
              --live, used -= sizes[p];
              sizes.erase(p);
              std::free(p);
            },
            [] { return std::string(" (fake)"); }};
  }
};

TEST(BlockCache, RoundsToFourBinsPerOctaveAtMostTwoMiBApart) {
  EXPECT_EQ(BlockCache::round_size(1), 512u);
  EXPECT_EQ(BlockCache::round_size(513), 1024u);  // steps are at least 512 bytes
  EXPECT_EQ(BlockCache::round_size(3000), 3072u);
  EXPECT_EQ(BlockCache::round_size(5000), 5120u);   // octave 4096, step 1024
  EXPECT_EQ(BlockCache::round_size((600 << 10) + 1), size_t(640) << 10);
  EXPECT_EQ(BlockCache::round_size((size_t(100) << 20) + 1), size_t(102) << 20);
  for (size_t s : {size_t(3), size_t(4097), size_t(123456789)}) EXPECT_GE(BlockCache::round_size(s), s);
}

TEST(BlockCache, SameSizesAgainNeedNoRawAllocation) {
  FakeRaw raw;
  BlockCache cache(raw.backend());
  std::vector<size_t> sizes = {100, 5000, 1 << 20, 3 << 20, 777777};
  for (int step = 0; step < 3; ++step) {
    std::vector<void*> ptrs;
    for (size_t s : sizes) ptrs.push_back(cache.allocate(s));
    for (void* p : ptrs) cache.free(p);
    EXPECT_EQ(raw.calls, int64_t(sizes.size())) << "step " << step;
  }
  EXPECT_EQ(cache.stats().in_use, 0);
}

TEST(BlockCache, CountsInUseReservedAndPeaks) {
  FakeRaw raw;
  BlockCache cache(raw.backend());
  void* a = cache.allocate(1 << 20);
  void* b = cache.allocate(3 << 20);
  EXPECT_EQ(cache.stats().in_use, (1 << 20) + (3 << 20));
  cache.free(a);
  MemoryStats s = cache.stats();
  EXPECT_EQ(s.in_use, 3 << 20);
  EXPECT_EQ(s.reserved, (1 << 20) + (3 << 20));
  EXPECT_EQ(s.peak_in_use, (1 << 20) + (3 << 20));
  cache.reset_peak();
  EXPECT_EQ(cache.stats().peak_in_use, 3 << 20);
  cache.free(b);
  cache.release_cached();
  EXPECT_EQ(cache.stats().reserved, 0);
  EXPECT_EQ(raw.live, 0);
}

TEST(BlockCache, ServesFromALargerCachedBlockUpToTwiceTheSize) {
  FakeRaw raw;
  BlockCache cache(raw.backend());
  void* big = cache.allocate(1 << 20);
  cache.free(big);
  void* small = cache.allocate(100 << 10);  // a 1 MiB block is more than twice 100 KiB
  EXPECT_NE(small, big);
  EXPECT_EQ(cache.allocate(600 << 10), big);  // but serves 600 KiB
  EXPECT_EQ(raw.calls, 2);
}

TEST(BlockCache, OutOfMemorySaysWhatWasAskedAndWhatIsHeld) {
  FakeRaw raw;
  BlockCache cache(raw.backend());
  cache.set_limit(size_t(1) << 30);
  void* held = cache.allocate(size_t(768) << 20);
  try {
    cache.allocate(size_t(512) << 20);
    FAIL() << "expected an out-of-memory error";
  } catch (const RuntimeError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("out of memory on fake device"), std::string::npos) << what;
    EXPECT_NE(what.find("asked for 0.50 GiB (536870912 bytes)"), std::string::npos) << what;
    EXPECT_NE(what.find("0.75 GiB in use, 0.75 GiB reserved"), std::string::npos) << what;
    EXPECT_NE(what.find("limit 1.00 GiB"), std::string::npos) << what;
    EXPECT_NE(what.find("smaller micro-batch"), std::string::npos) << what;
  }
  cache.free(held);
}

TEST(BlockCache, ReleasesCachedBlocksAndRetriesBeforeGivingUp) {
  FakeRaw raw;
  raw.capacity = size_t(10) << 20;
  BlockCache cache(raw.backend());
  cache.free(cache.allocate(size_t(6) << 20));  // cached, holding 6 of 10 MiB
  void* p = cache.allocate(size_t(8) << 20);   // fits only once the cached block is returned
  EXPECT_NE(p, nullptr);
  EXPECT_EQ(cache.stats().reserved, int64_t(8) << 20);
  cache.free(p);
}

}  // namespace
}  // namespace longnet::cuda
