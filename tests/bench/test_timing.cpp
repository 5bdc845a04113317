#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "bench/timing.h"
#include "common/error.h"

namespace longnet::bench {
namespace {

TEST(Median, OddCountIsTheMiddleValue) { EXPECT_EQ(median({5, 1, 4, 2, 3}), 3); }

TEST(Median, EvenCountIsTheMeanOfTheMiddleTwo) { EXPECT_EQ(median({10, 1, 4, 2}), 3); }

TEST(MedianMs, RunsWarmUpUntimedThenTakesTheMedianOfTheTimedRuns) {
  int runs = 0;
  const Work work = [&] { ++runs; };
  std::vector<double> scripted = {9, 1, 7, 3, 5};
  size_t next = 0;
  const Stopwatch stopwatch = [&](const Work& w) {
    w();
    return scripted[next++];
  };
  EXPECT_EQ(median_ms(stopwatch, work, {.warmup = 2, .timed = 5}), 5);
  EXPECT_EQ(runs, 7);
  EXPECT_EQ(next, 5u);
}

TEST(MedianMs, RejectsZeroRepeats) {
  EXPECT_THROW(median_ms(steady_clock_ms, [] {}, {.warmup = 0, .timed = 0}), UsageError);
}

TEST(SteadyClock, MeasuresTheWorksDuration) {
  const double ms = steady_clock_ms([] { std::this_thread::sleep_for(std::chrono::milliseconds(20)); });
  EXPECT_GE(ms, 20);
  EXPECT_LT(ms, 2000);
}

}  // namespace
}  // namespace longnet::bench
