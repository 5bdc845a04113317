#pragma once
// The targets `longnet scale` sweeps for the attention core (Q, K, V to O): one per attention
// kind and pass (forward; forward then backward), on the CPU (fp32) or a GPU.
#include <cstdint>
#include <string>
#include <vector>

#include "attention/spec.h"
#include "bench/scale_report.h"
#include "bench/sweep.h"
#include "bench/timing.h"

namespace longnet::bench {

struct CoreShape {
  int64_t batch, heads, head_dim;
};

struct CoreRequest {
  std::string device;  // "cpu" or "cuda"
  std::vector<attention::Kind> kinds;
  attention::Spec spec;  // patterns and sparse shape; the kind is set per target
  CoreShape shape;
  Repeats repeats;
  bool backward;         // also a forward+backward target per kind
  int64_t memory_limit;  // bytes the buffers may take; 0 for the device's default
};

struct CoreTargets {
  std::vector<Target> targets;
  std::vector<TargetLabel> labels;  // one per target
  RunContext context;
  std::string memory_note;  // what "peak memory" counts on this device, for the header
};

CoreTargets core_targets(const CoreRequest& request);

// The problem of one call: every query and key of an N-token sequence.
attention::Problem whole_sequence(const CoreShape& shape, int64_t tokens);

// One CPU target: fp32 buffers counted against `budget_bytes`; steady_clock timing. Peak memory
// is the bytes of the buffers the target creates: Q, K, V, O, lse, and for the backward dO, dQ,
// dK, dV; scratch inside the attention functions is not counted.
Target cpu_core_target(const attention::Spec& spec, const CoreShape& shape, bool backward,
                       const Repeats& repeats, int64_t budget_bytes);

}  // namespace longnet::bench
