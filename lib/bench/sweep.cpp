#include "bench/sweep.h"

#include <chrono>

namespace longnet::bench {

namespace {

Row measure_point(const Target& target, size_t index, int64_t tokens, double time_limit_s) {
  Row row{index, tokens, Status::measured, {}};
  const auto start = std::chrono::steady_clock::now();
  try {
    row.measurement = target.measure(tokens);
  } catch (const OutOfMemory& e) {
    row.status = Status::out_of_memory;
    row.detail = e.what();
    return row;
  }
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;
  row.time_limit_hit = time_limit_s > 0 && wall.count() > time_limit_s;
  const double seconds = row.measurement.ms / 1e3;
  if (seconds > 0) {
    row.tokens_per_s = double(target.batch) * double(tokens) / seconds;
    if (target.flops) row.tflop_per_s = target.flops(tokens) / seconds / 1e12;
  }
  return row;
}

}  // namespace

std::vector<Row> sweep(std::span<const Target> targets, const SweepOptions& options,
                       const std::function<void(std::span<const Row>)>& on_step) {
  if (options.min_tokens < 1 || options.max_tokens < options.min_tokens) {
    fail<UsageError>("the sweep needs 1 <= min tokens ({}) <= max tokens ({})", options.min_tokens,
                     options.max_tokens);
  }
  std::vector<Row> rows;
  std::vector<bool> live(targets.size(), true);
  for (int64_t n = options.min_tokens;; n *= 2) {
    const size_t first = rows.size();
    for (size_t t = 0; t < targets.size(); ++t) {
      if (!live[t]) continue;
      rows.push_back(measure_point(targets[t], t, n, options.point_time_limit_s));
      const Row& row = rows.back();
      live[t] = row.status == Status::measured && !row.time_limit_hit;
    }
    if (first == rows.size()) break;
    if (on_step) on_step(std::span<const Row>(rows).subspan(first));
    if (n > options.max_tokens / 2) break;  // the next N would pass max_tokens
  }
  return rows;
}

}  // namespace longnet::bench
