#pragma once
// The targets `longnet scale` sweeps, one per attention kind and what is timed: the attention
// core (Q, K, V to O; forward, and forward then backward) and the whole attention layer forward,
// on the CPU (fp32) or a GPU (bf16).
#include <cstdint>
#include <string>
#include <vector>

#include "attention/spec.h"
#include "bench/scale_report.h"
#include "bench/sweep.h"
#include "bench/timing.h"

namespace longnet::bench {

// The layer's model width is heads * head_dim.
struct CoreShape {
  int64_t batch, heads, head_dim;
};

struct ScaleRequest {
  std::string device;  // "cpu" or "cuda"
  std::vector<attention::Kind> kinds;
  attention::Spec spec;  // patterns and sparse shape; the kind is set per target
  CoreShape shape;
  Repeats repeats;
  bool core = true, layer = false;
  bool backward = true;           // the core also forward+backward
  bool cudnn_reference = false;   // GPU core, dilated: also time its cuDNN-equivalent problem
  double xpos_scale_base = 512;   // the layer's XPOS decay base
  int64_t memory_limit = 0;       // bytes the buffers may take; 0 for the device's default
};

struct ScaleTargets {
  std::vector<Target> targets;
  std::vector<TargetLabel> labels;  // one per target
  RunContext context;
  std::string memory_note;  // what "peak memory" counts on this device, for the header
};

ScaleTargets scale_targets(const ScaleRequest& request);

// The problem of one call: every query and key of an N-token sequence.
attention::Problem whole_sequence(const CoreShape& shape, int64_t tokens);

// FLOPs of one call by the rule of DESIGN.md section 3 (attention::forward_flops; forward and
// backward together count 3.5 forwards).
double core_flops(const attention::Spec& spec, const CoreShape& shape, bool backward,
                  int64_t tokens);

// One point of the attention core at N tokens, forward or forward then backward: the median
// time and the peak bytes of the buffers the target creates, counted against `budget_bytes`:
// Q, K, V, O, lse, and for the backward dO, dQ, dK, dV.
// CPU: fp32, steady_clock timing; scratch inside the CPU attention functions is not counted.
// CUDA: bf16 (lse fp32), device-event timing, plus the workspace the kernels ask for (they
// allocate nothing else), so the count is the whole of it.
Measurement measure_core_cpu(const attention::Spec& spec, const CoreShape& shape, bool backward,
                             const Repeats& repeats, int64_t budget_bytes, int64_t tokens);
Measurement measure_core_cuda(const attention::Spec& spec, const CoreShape& shape, bool backward,
                              const Repeats& repeats, int64_t budget_bytes, int64_t tokens);

// The reference of a dilated core on the GPU: cuDNN's dense causal attention on the equivalent
// problem, per pattern (w, r) a batch of B * ceil(N / w') causal attentions of length
// ceil(w' / r) for each head (w' = min(w, N)), the patterns one after the other. Its FLOPs are
// the dilated call's (core_flops), so the two TFLOP/s columns compare directly. Peak memory
// counts Q, K, V, O, lse (and dO, dQ, dK, dV) of the largest pattern, not cuDNN's workspace.
Measurement measure_core_cudnn_equivalent(const attention::Spec& spec, const CoreShape& shape,
                                          bool backward, const Repeats& repeats,
                                          int64_t budget_bytes, int64_t tokens);

// FLOPs of one layer forward: the four E x E projections (8 * B * N * E^2) and the attention
// core's forward; LayerNorm, XPOS and biases are not counted.
double layer_flops(const attention::Spec& spec, const CoreShape& shape, int64_t tokens);

// One point of the attention layer forward on the CPU (fp32, no gradients recorded):
// x [B, N, E] -> q, k, v = x W + b; XPOS rotation of q, k; attention with the spec's XPOS decay;
// Sub-LN; output projection. Peak memory counts x, the parameters, and every tensor the layer
// makes (q, k, v, rotated q and k, attention output and lse, Sub-LN output, layer output) while
// it is held; scratch inside the ops and the attention function is not counted.
Measurement measure_layer_cpu(const attention::Spec& spec, const CoreShape& shape,
                              const Repeats& repeats, int64_t budget_bytes, int64_t tokens);

// The same layer on the GPU in bf16 through the CUDA building blocks (cuBLASLt GEMMs with a bias
// epilogue, XPOS rotation, the CUDA attention, LayerNorm). Peak memory counts the parameters, x,
// q, k, v, O, lse, the LayerNorm statistics and the attention workspace, all held for the whole
// call (the Sub-LN output reuses q's buffer, the layer output k's); not counted: the cuBLASLt
// workspace, which the device context holds for the process.
Measurement measure_layer_cuda(const attention::Spec& spec, const CoreShape& shape,
                               const Repeats& repeats, int64_t budget_bytes, int64_t tokens);

}  // namespace longnet::bench
