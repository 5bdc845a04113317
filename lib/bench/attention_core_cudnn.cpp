// The reference a dilated core is read against (issue 8's bars): cuDNN's dense causal attention
// on the problem the dilated call is equivalent to. Pattern (w, r) at N tokens is, per head and
// segment, one causal attention over the w'/r rows the head's offset selects, w' = min(w, N): a
// batch of B * ceil(N / w') causal attentions of length ceil(w' / r) per head. The patterns run
// one after the other, as our kernel's passes do; the lse merge between them is not counted, so
// the reference is a little faster than any exact implementation could be.
#include <algorithm>
#include <optional>
#include <vector>

#include "attention/cudnn/cudnn_attention.h"
#include "bench/attention_targets.h"
#include "bench/cuda/device.h"
#include "common/int_math.h"

namespace longnet::bench {

namespace {

attention::CudnnSdpaProblem equivalent(const CoreShape& s, const attention::Pattern& p,
                                       int64_t tokens) {
  const int64_t segment = std::min(p.segment, tokens);
  return attention::CudnnSdpaProblem::contiguous(s.batch * ceil_div(tokens, segment), s.heads,
                                                 ceil_div(segment, p.dilation),
                                                 ceil_div(segment, p.dilation), s.head_dim,
                                                 /*causal=*/true);
}

int64_t rows_of(const attention::CudnnSdpaProblem& c) { return c.batch * c.seq_q; }

}  // namespace

Measurement measure_core_cudnn_equivalent(const attention::Spec& spec, const CoreShape& shape,
                                          bool backward, const Repeats& repeats,
                                          int64_t budget_bytes, int64_t tokens) {
  if (spec.kind != attention::Kind::dilated)
    fail<RuntimeError>("the cuDNN-equivalent reference is defined for dilated attention only");
  std::vector<attention::CudnnSdpaProblem> problems;
  int64_t rows = 0;
  for (const attention::Pattern& p : spec.patterns) {
    problems.push_back(equivalent(shape, p, tokens));
    rows = std::max(rows, rows_of(problems.back()));
  }
  // Every pattern's problem fits buffers of the largest one (r = 1: all N rows, rounded up to
  // whole segments).
  MemoryMeter meter(budget_bytes);
  const int64_t activation = rows * shape.heads * shape.head_dim * 2;
  const auto buffer = [&](const char* what) { return cuda::DeviceBuffer(meter, activation, what); };
  cuda::DeviceBuffer q = buffer("Q"), k = buffer("K"), v = buffer("V"), o = buffer("O");
  cuda::DeviceBuffer lse(meter, rows * shape.heads * int64_t(sizeof(float)), "lse");
  for (auto* b : {&q, &k, &v}) cuda::fill_uniform_bf16(b->data(), activation / 2, 7);
  std::optional<cuda::DeviceBuffer> d_o, dq, dk, dv;
  if (backward) {
    d_o.emplace(meter, activation, "dO"), dq.emplace(meter, activation, "dQ");
    dk.emplace(meter, activation, "dK"), dv.emplace(meter, activation, "dV");
    cuda::fill_uniform_bf16(d_o->data(), activation / 2, 8);
  }
  cuda::synchronize("filling the cuDNN reference's buffers");
  float* lse_data = static_cast<float*>(lse.data());
  const auto run = [&] {
    for (const auto& c : problems) {
      attention::cudnn_attention_forward(c, q.data(), k.data(), v.data(), o.data(), lse_data,
                                         nullptr);
      if (backward)
        attention::cudnn_attention_backward(c, q.data(), k.data(), v.data(), o.data(),
                                            d_o->data(), lse_data, dq->data(), dk->data(),
                                            dv->data(), nullptr);
    }
  };
  const double ms = median_ms([](const Work& work) { return cuda::event_ms(work); }, run, repeats);
  cuda::synchronize("the cuDNN reference");
  return {ms, meter.peak()};
}

}  // namespace longnet::bench
