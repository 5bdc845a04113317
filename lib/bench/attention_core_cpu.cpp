#include <random>

#include "attention/cpu/attention_cpu.h"
#include "bench/attention_targets.h"
#include "bench/memory_meter.h"

namespace longnet::bench {

namespace {

using attention::Bnhd;

// One [batch, N, heads, head_dim] fp32 tensor, contiguous, counted by the meter.
struct HostTensor {
  HostTensor(MemoryMeter& meter, const CoreShape& s, int64_t tokens, const std::string& what)
      : buffer(meter, s.batch * tokens * s.heads * s.head_dim, what),
        view{buffer.data(), tokens * s.heads * s.head_dim, s.heads * s.head_dim, s.head_dim} {}

  Bnhd<const float> in() const { return {view.data, view.stride_b, view.stride_n, view.stride_h}; }

  MeteredBuffer<float> buffer;
  Bnhd<float> view;
};

void fill_uniform(MeteredBuffer<float>& buffer, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (int64_t i = 0; i < buffer.size(); ++i) buffer.data()[i] = uniform(rng);
}

}  // namespace

Measurement measure_core_cpu(const attention::Spec& spec, const CoreShape& shape, bool backward,
                             const Repeats& repeats, int64_t budget_bytes, int64_t tokens) {
  const attention::Problem problem = whole_sequence(shape, tokens);
  attention::validate(spec, problem);
  MemoryMeter meter(budget_bytes);
  HostTensor q(meter, shape, tokens, "Q"), k(meter, shape, tokens, "K"), v(meter, shape, tokens, "V"),
      o(meter, shape, tokens, "O");
  MeteredBuffer<float> lse(meter, shape.batch * shape.heads * tokens, "lse");
  fill_uniform(q.buffer, 1), fill_uniform(k.buffer, 2), fill_uniform(v.buffer, 3);
  const auto forward = [&] {
    attention::attention_forward_cpu<float>(spec, problem, q.in(), k.in(), v.in(), o.view,
                                            lse.data());
  };
  if (!backward) return {median_ms(steady_clock_ms, forward, repeats), meter.peak()};

  HostTensor d_o(meter, shape, tokens, "dO"), dq(meter, shape, tokens, "dQ"),
      dk(meter, shape, tokens, "dK"), dv(meter, shape, tokens, "dV");
  fill_uniform(d_o.buffer, 4);
  const auto forward_backward = [&] {
    forward();
    attention::attention_backward_cpu<float>(spec, problem, q.in(), k.in(), v.in(), o.in(),
                                             lse.data(), d_o.in(), dq.view, dk.view, dv.view);
  };
  return {median_ms(steady_clock_ms, forward_backward, repeats), meter.peak()};
}

}  // namespace longnet::bench
