#pragma once
// How a benchmark times its work: warm-up runs, then the median of timed repeats. The clock is
// the target's own: steady_clock for CPU work, device events for GPU work (bench/cuda/).
#include <functional>
#include <vector>

namespace longnet::bench {

using Work = std::function<void()>;

// Runs `work` once and returns how long it took in milliseconds, on some clock.
using Stopwatch = std::function<double(const Work& work)>;

// The host's monotonic clock: right for work that is finished when it returns (CPU work).
double steady_clock_ms(const Work& work);

struct Repeats {
  int warmup = 3;
  int timed = 10;
};

// Runs `work` repeats.warmup times untimed, then repeats.timed times on `stopwatch`; returns the
// median of the timed runs.
double median_ms(const Stopwatch& stopwatch, const Work& work, const Repeats& repeats);

// The median of a non-empty list (the mean of the middle two for an even count).
double median(std::vector<double> values);

}  // namespace longnet::bench
