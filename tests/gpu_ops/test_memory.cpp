// Device and pinned memory through the context's caching allocators.
#include <algorithm>

#include "common/error.h"
#include "gpu_test_support.h"

namespace longnet::cuda::test {
namespace {

TEST(DeviceMemory, NoCudaMallocOnceWarm) {
  BlockCache& memory = gpu().memory();
  std::vector<size_t> sizes = {1000, 1 << 20, 7 << 20, 123457, 64 << 20};
  auto step = [&] {
    std::vector<Block> blocks;
    for (size_t s : sizes) blocks.emplace_back(memory, s);
    gpu().fill_bytes(blocks.back().get(), 0, sizes.back());
  };
  step();
  int64_t warm = memory.stats().raw_allocations;
  for (int i = 0; i < 5; ++i) step();
  EXPECT_EQ(memory.stats().raw_allocations, warm);
  gpu().synchronize();
}

TEST(DeviceMemory, PeakCountsTheLargestSimultaneousUse) {
  BlockCache& memory = gpu().memory();
  int64_t base = memory.stats().in_use;
  memory.reset_peak();
  {
    Block a(memory, 10 << 20), b(memory, 20 << 20);
    EXPECT_EQ(memory.stats().in_use, base + (30 << 20));
  }
  { Block c(memory, 3 << 20); }
  MemoryStats s = memory.stats();
  EXPECT_EQ(s.peak_in_use, base + (30 << 20));
  EXPECT_EQ(s.in_use, base);
  EXPECT_GE(s.reserved, s.in_use + (30 << 20));
}

TEST(DeviceMemory, OutOfMemoryIsARuntimeErrorThatSuggestsASmallerMicroBatch) {
  BlockCache& memory = gpu().memory();
  try {
    Block huge(memory, size_t(1) << 50);  // 1 PiB: more than any GPU has
    FAIL() << "expected an out-of-memory error";
  } catch (const RuntimeError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("out of memory on GPU 0: asked for 1048576.00 GiB"), std::string::npos) << what;
    EXPECT_NE(what.find("in use"), std::string::npos) << what;
    EXPECT_NE(what.find("reserved by longnet"), std::string::npos) << what;
    EXPECT_NE(what.find("GiB free of"), std::string::npos) << what;
    EXPECT_NE(what.find("smaller micro-batch"), std::string::npos) << what;
  }
  Block after(memory, 1 << 20);  // the failure left the allocator usable
  EXPECT_NE(after.get(), nullptr);
}

TEST(PinnedMemory, ReusesBlocksAndCopiesBothWays) {
  BlockCache& pinned = gpu().pinned();
  void* first;
  {
    Block a(pinned, 4096);
    first = a.get();
  }
  int64_t calls = pinned.stats().raw_allocations;
  Block b(pinned, 4000);
  EXPECT_EQ(b.get(), first);
  EXPECT_EQ(pinned.stats().raw_allocations, calls);
  std::vector<double> values = random_values(1000, -1, 1, 7);
  DeviceArray d(values, DType::f32);
  gpu().copy_to_host(b.get(), d.data(), 4000);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(b.as<float>()[i], float(values[i]));
}

// Uploads go through two pinned slots that are reused round-robin and grow on demand: each
// upload must leave with its own bytes even though the host buffer is overwritten at once and
// the slots are recycled, for sizes that grow, shrink and skip the staging (above its limit).
TEST(HostUploads, EachUploadKeepsItsBytesWhenTheSourceIsReusedAtOnce) {
  const std::vector<size_t> counts = {1, 1000, 250001, 17, 4 << 20, 3,
                                      HostStaging::kMaxStagedBytes / 4 + 5, 999};
  std::vector<float> host;
  std::vector<Block> uploaded;
  for (size_t i = 0; i < counts.size(); ++i) {
    host.assign(counts[i], float(i + 1));
    uploaded.emplace_back(gpu().memory(), counts[i] * sizeof(float));
    gpu().copy_to_device(uploaded.back().get(), host.data(), counts[i] * sizeof(float));
    std::fill(host.begin(), host.end(), -1.0f);  // the source is reused as soon as the call returns
  }
  for (size_t i = 0; i < counts.size(); ++i) {
    std::vector<float> back(counts[i], 0.0f);
    gpu().copy_to_host(back.data(), uploaded[i].get(), counts[i] * sizeof(float));
    for (size_t j = 0; j < counts[i]; ++j)
      ASSERT_EQ(back[j], float(i + 1)) << "upload " << i << " of " << counts[i] << ", element " << j;
  }
}

}  // namespace
}  // namespace longnet::cuda::test
