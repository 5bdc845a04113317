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

ScaleTargets scale_targets(const ScaleRequest& request) {
  const bool gpu = request.device == "cuda";
  const int64_t budget = gpu ? (request.memory_limit > 0 ? request.memory_limit
                                                         : std::numeric_limits<int64_t>::max())
                             : cpu_budget(request.memory_limit);
  ScaleTargets out;
  out.context = {gpu ? cuda::device_name() : "cpu", gpu ? "bf16" : "fp32", request.shape.batch,
                 request.shape.heads, request.shape.head_dim};
  out.memory_note = fmt::format(
      "peak memory counts the buffers each target creates (docs/scale.md), {}",
      request.memory_limit > 0 || !gpu ? fmt::format("within a budget of {} bytes", format_count(budget))
                                       : std::string("until cudaMalloc fails"));
  for (attention::Kind kind : request.kinds) {
    attention::Spec spec = request.spec;
    spec.kind = kind;
    attention::validate(spec);
    const auto add = [&](Target target, const char* part, const char* pass,
                         const attention::Spec& described) {
      out.labels.push_back({part, kind_name(kind), pass, attention::describe(described)});
      out.targets.push_back(std::move(target));
    };
    const auto& shape = request.shape;
    const auto& repeats = request.repeats;
    for (bool backward : {false, true}) {
      if (!request.core || (backward && !request.backward)) continue;
      const auto measure_core = gpu ? measure_core_cuda : measure_core_cpu;
      add({attention::describe(spec),
           [=](int64_t n) { return measure_core(spec, shape, backward, repeats, budget, n); },
           [=](int64_t n) { return core_flops(spec, shape, backward, n); }, shape.batch},
          "core", backward ? "fwd+bwd" : "fwd", spec);
    }
    if (gpu && request.core && request.cudnn_reference && kind == attention::Kind::dilated) {
      for (bool backward : {false, true}) {
        if (backward && !request.backward) continue;
        out.labels.push_back({"core", "cudnn-equivalent", backward ? "fwd+bwd" : "fwd",
                              "cuDNN dense causal on the problem " + attention::describe(spec) +
                                  " is equivalent to"});
        out.targets.push_back(
            {out.labels.back().description,
             [=](int64_t n) {
               return measure_core_cudnn_equivalent(spec, shape, backward, repeats, budget, n);
             },
             [=](int64_t n) { return core_flops(spec, shape, backward, n); }, shape.batch});
      }
    }
    if (request.layer) {
      attention::Spec layer_spec = spec;
      layer_spec.xpos_scale_base = request.xpos_scale_base;
      const auto measure_layer = gpu ? measure_layer_cuda : measure_layer_cpu;
      add({attention::describe(layer_spec),
           [=](int64_t n) { return measure_layer(layer_spec, shape, repeats, budget, n); },
           [=](int64_t n) { return layer_flops(layer_spec, shape, n); }, shape.batch},
          "layer", "fwd", layer_spec);
    }
  }
  return out;
}

}  // namespace longnet::bench
