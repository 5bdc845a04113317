#include "bench/timing.h"

#include <algorithm>
#include <chrono>

#include "common/error.h"

namespace longnet::bench {

double steady_clock_ms(const Work& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
  return elapsed.count();
}

double median_ms(const Stopwatch& stopwatch, const Work& work, const Repeats& repeats) {
  if (repeats.warmup < 0 || repeats.timed < 1) {
    fail<UsageError>("timing needs warm-up >= 0 and repeats >= 1 (got {} and {})", repeats.warmup,
                     repeats.timed);
  }
  for (int i = 0; i < repeats.warmup; ++i) work();
  std::vector<double> times;
  times.reserve(repeats.timed);
  for (int i = 0; i < repeats.timed; ++i) times.push_back(stopwatch(work));
  return median(std::move(times));
}

double median(std::vector<double> values) {
  if (values.empty()) fail<RuntimeError>("median of an empty list");
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  if (values.size() % 2 == 1) return values[mid];
  const double upper = values[mid];
  const double lower = *std::max_element(values.begin(), values.begin() + mid);
  return (lower + upper) / 2;
}

}  // namespace longnet::bench
