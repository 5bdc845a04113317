#include "bench/attention_targets.h"

#include <fmt/format.h>

#include <limits>

#include "bench/counts.h"
#include "bench/cuda/device.h"
#include "bench/memory_meter.h"

namespace longnet::bench {

namespace {

std::string kind_name(attention::Kind kind) {
  switch (kind) {
    case attention::Kind::dense: return "dense";
    case attention::Kind::sparse: return "sparse";
    case attention::Kind::dilated: return "dilated";
  }
  return "?";
}

// The CPU's default budget: most of what the kernel says is available, leaving room for the
// scratch inside the attention functions and for everything else on the machine.
int64_t cpu_budget(int64_t requested) {
  if (requested > 0) return requested;
  const int64_t available = available_host_memory();
  if (available <= 0) fail<RuntimeError>("cannot read MemAvailable from /proc/meminfo: set --memory-limit");
  return available / 10 * 8 >> 20 << 20;  // whole MiB, so it prints exactly
}

}  // namespace

attention::Problem whole_sequence(const CoreShape& shape, int64_t tokens) {
  attention::Problem p;
  p.batch = shape.batch;
  p.heads = shape.heads;
  p.head_dim = shape.head_dim;
  p.seq_len = p.q_len = p.kv_len = tokens;
  return p;
}

double core_flops(const attention::Spec& spec, const CoreShape& shape, bool backward,
                  int64_t tokens) {
  return attention::forward_flops(spec, whole_sequence(shape, tokens)) * (backward ? 3.5 : 1.0);
}

CoreTargets core_targets(const CoreRequest& request) {
  const bool gpu = request.device == "cuda";
  const int64_t budget = gpu ? (request.memory_limit > 0 ? request.memory_limit
                                                         : std::numeric_limits<int64_t>::max())
                             : cpu_budget(request.memory_limit);
  CoreTargets out;
  out.context = {"core", gpu ? cuda::device_name() : "cpu", gpu ? "bf16" : "fp32",
                 request.shape.batch, request.shape.heads, request.shape.head_dim};
  out.memory_note = fmt::format(
      "peak memory counts the buffers Q, K, V, O, lse{} (fwd+bwd: and dO, dQ, dK, dV), {}",
      gpu ? ", workspace" : "",
      request.memory_limit > 0 || !gpu ? fmt::format("within a budget of {} bytes", format_count(budget))
                                       : std::string("until cudaMalloc fails"));
  for (attention::Kind kind : request.kinds) {
    attention::Spec spec = request.spec;
    spec.kind = kind;
    attention::validate(spec);
    for (bool backward : {false, true}) {
      if (backward && !request.backward) continue;
      out.targets.push_back(gpu ? cuda_core_target(spec, request.shape, backward, request.repeats, budget)
                                : cpu_core_target(spec, request.shape, backward, request.repeats, budget));
      out.labels.push_back({kind_name(kind), backward ? "fwd+bwd" : "fwd", attention::describe(spec)});
    }
  }
  return out;
}

}  // namespace longnet::bench
