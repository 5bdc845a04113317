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

// FLOPs of one call by the rule of DESIGN.md section 3 (attention::forward_flops; forward and
// backward together count 3.5 forwards).
double core_flops(const attention::Spec& spec, const CoreShape& shape, bool backward,
                  int64_t tokens);

// One target per (spec, pass). Peak memory is the bytes of the buffers the target creates,
// counted against `budget_bytes`: Q, K, V, O, lse, and for the backward dO, dQ, dK, dV.
// CPU: fp32, steady_clock timing; scratch inside the CPU attention functions is not counted.
// CUDA: bf16 (lse fp32), device-event timing, plus the workspace the kernels ask for (they
// allocate nothing else), so the count is the whole of it.
Target cpu_core_target(const attention::Spec& spec, const CoreShape& shape, bool backward,
                       const Repeats& repeats, int64_t budget_bytes);
Target cuda_core_target(const attention::Spec& spec, const CoreShape& shape, bool backward,
                        const Repeats& repeats, int64_t budget_bytes);

}  // namespace longnet::bench
