#pragma once
// The sequence-length sweep behind `longnet scale`: every target is measured at N = min_tokens,
// 2 min_tokens, 4 min_tokens, ... up to max_tokens, until it runs out of memory (its limit,
// recorded as a row, not a crash) or a point takes longer than the time limit.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"

namespace longnet::bench {

// Thrown by a target's measure() when N does not fit in memory.
class OutOfMemory : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

// One point: the median time of one call and the peak bytes it needed.
struct Measurement {
  double ms = 0;
  int64_t peak_bytes = 0;
};

struct Target {
  std::string name;
  // Measures one call at N tokens per sequence; throws OutOfMemory when N does not fit.
  std::function<Measurement(int64_t tokens)> measure;
  // The FLOPs of one call at N tokens (for TFLOP/s); sequences per call (for tokens/s).
  std::function<double(int64_t tokens)> flops = {};
  int64_t batch = 1;
};

struct SweepOptions {
  int64_t min_tokens = 8192;
  int64_t max_tokens = 16 << 20;
  // A target stops after a point whose measurement (warm-up and repeats) took longer than this
  // many seconds: the next, twice as long, point would take at least twice as long. 0: no limit.
  double point_time_limit_s = 0;
};

enum class Status { measured, out_of_memory };

struct Row {
  size_t target;  // index into the targets swept
  int64_t tokens;
  Status status;
  Measurement measurement = {};  // when measured
  double tokens_per_s = 0;     // batch * tokens / time
  double tflop_per_s = 0;      // flops / time
  bool time_limit_hit = false; // measured, and the target stops here
  std::string detail = {};     // why it ran out of memory
};

// Sweeps all targets in lockstep: every live target at N, then every live target at 2N. After
// each N, on_step gets that N's rows (for printing as the sweep goes). Returns every row.
std::vector<Row> sweep(std::span<const Target> targets, const SweepOptions& options,
                       const std::function<void(std::span<const Row>)>& on_step = {});

}  // namespace longnet::bench
