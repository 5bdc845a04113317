#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "bench/sweep.h"

namespace longnet::bench {
namespace {

// A stand-in for a benchmark target: records the Ns it is asked for, reports a fixed time, and
// runs out of memory beyond `fits_up_to` tokens.
struct FakeTarget {
  int64_t fits_up_to = int64_t(1) << 40;
  double ms = 1.0;
  std::vector<int64_t> asked;

  Target target(const std::string& name) {
    return {name, [this](int64_t n) {
              asked.push_back(n);
              if (n > fits_up_to) throw OutOfMemory("needs more than the fake has");
              return Measurement{ms, n * 4};
            }};
  }
};

TEST(Sweep, DoublesTokensFromMinUpToMax) {
  FakeTarget fake;
  const std::vector<Target> targets = {fake.target("a")};
  const auto rows = sweep(targets, {.min_tokens = 1024, .max_tokens = 10000});
  EXPECT_EQ(fake.asked, (std::vector<int64_t>{1024, 2048, 4096, 8192}));
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& row : rows) {
    EXPECT_EQ(row.status, Status::measured);
    EXPECT_EQ(row.measurement.peak_bytes, row.tokens * 4);
  }
}

TEST(Sweep, MaxEqualToMinMeasuresOnePoint) {
  FakeTarget fake;
  const std::vector<Target> targets = {fake.target("a")};
  sweep(targets, {.min_tokens = 3000, .max_tokens = 3000});
  EXPECT_EQ(fake.asked, (std::vector<int64_t>{3000}));
}

TEST(Sweep, OutOfMemoryIsTheTargetsLimitAndTheOthersGoOn) {
  FakeTarget small, large;
  small.fits_up_to = 4096;
  const std::vector<Target> targets = {small.target("small"), large.target("large")};
  const auto rows = sweep(targets, {.min_tokens = 1024, .max_tokens = 32768});

  EXPECT_EQ(small.asked, (std::vector<int64_t>{1024, 2048, 4096, 8192}));
  EXPECT_EQ(large.asked, (std::vector<int64_t>{1024, 2048, 4096, 8192, 16384, 32768}));
  int limits = 0;
  for (const auto& row : rows) {
    if (row.status != Status::out_of_memory) continue;
    ++limits;
    EXPECT_EQ(row.target, 0u);
    EXPECT_EQ(row.tokens, 8192);
    EXPECT_NE(row.detail.find("needs more"), std::string::npos);
  }
  EXPECT_EQ(limits, 1);
}

TEST(Sweep, StopsWhenEveryTargetHasHitItsLimit) {
  FakeTarget fake;
  fake.fits_up_to = 2048;
  const std::vector<Target> targets = {fake.target("a")};
  const auto rows = sweep(targets, {.min_tokens = 1024, .max_tokens = int64_t(1) << 40});
  EXPECT_EQ(fake.asked, (std::vector<int64_t>{1024, 2048, 4096}));
  EXPECT_EQ(rows.back().status, Status::out_of_memory);
}

TEST(Sweep, OtherFailuresAreNotTakenForALimit) {
  const std::vector<Target> targets = {
      {"broken", [](int64_t) -> Measurement { throw RuntimeError("kernel launch failed"); }}};
  EXPECT_THROW(sweep(targets, {.min_tokens = 1024, .max_tokens = 4096}), RuntimeError);
}

TEST(Sweep, APointOverTheTimeLimitIsKeptAndEndsThatTarget) {
  FakeTarget fast;
  std::vector<int64_t> slow_asked;
  const std::vector<Target> targets = {
      fast.target("fast"), {"slow", [&](int64_t n) {
                              slow_asked.push_back(n);
                              if (n >= 2048) std::this_thread::sleep_for(std::chrono::milliseconds(30));
                              return Measurement{1.0, 0};
                            }}};
  const auto rows =
      sweep(targets, {.min_tokens = 1024, .max_tokens = 8192, .point_time_limit_s = 0.01});
  EXPECT_EQ(slow_asked, (std::vector<int64_t>{1024, 2048}));
  EXPECT_EQ(fast.asked.size(), 4u);
  int hits = 0;
  for (const auto& row : rows) {
    if (!row.time_limit_hit) continue;
    ++hits;
    EXPECT_EQ(row.target, 1u);
    EXPECT_EQ(row.tokens, 2048);
    EXPECT_EQ(row.status, Status::measured);
  }
  EXPECT_EQ(hits, 1);
}

TEST(Sweep, RatesComeFromTheMedianTimeBatchAndFlops) {
  Target target{"t", [](int64_t) { return Measurement{2.0, 0}; },
                [](int64_t n) { return 1e9 * double(n); }, /*batch=*/3};
  const std::vector<Target> targets = {target};
  const auto rows = sweep(targets, {.min_tokens = 1000, .max_tokens = 1000});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(rows[0].tokens_per_s, 3 * 1000 / 0.002);
  EXPECT_DOUBLE_EQ(rows[0].tflop_per_s, 1e12 / 0.002 / 1e12);
}

TEST(Sweep, EachStepHandsOverTheRowsOfOneN) {
  FakeTarget a, b;
  b.fits_up_to = 1024;
  const std::vector<Target> targets = {a.target("a"), b.target("b")};
  std::vector<std::vector<int64_t>> steps;
  sweep(targets, {.min_tokens = 1024, .max_tokens = 4096}, [&](std::span<const Row> rows) {
    steps.emplace_back();
    for (const auto& row : rows) steps.back().push_back(row.tokens);
  });
  EXPECT_EQ(steps, (std::vector<std::vector<int64_t>>{{1024, 1024}, {2048, 2048}, {4096}}));
}

TEST(Sweep, RejectsAnEmptyRange) {
  EXPECT_THROW(sweep({}, {.min_tokens = 4096, .max_tokens = 1024}), UsageError);
  EXPECT_THROW(sweep({}, {.min_tokens = 0, .max_tokens = 1024}), UsageError);
}

}  // namespace
}  // namespace longnet::bench
