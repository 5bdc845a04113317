#include <algorithm>

#include "attention/cuda/attention_cuda.h"
#include "bench/attention_targets.h"
#include "bench/cuda/device.h"

namespace longnet::bench {

namespace {

using attention::bf16_bits;
using attention::Bnhd;

// One [batch, N, heads, head_dim] bf16 tensor in device memory, contiguous, counted by the meter.
struct DeviceTensor {
  DeviceTensor(MemoryMeter& meter, const CoreShape& s, int64_t tokens, const std::string& what)
      : buffer(meter, s.batch * tokens * s.heads * s.head_dim * int64_t(sizeof(bf16_bits)), what),
        view{static_cast<bf16_bits*>(buffer.data()), tokens * s.heads * s.head_dim,
             s.heads * s.head_dim, s.head_dim} {}

  Bnhd<const bf16_bits> in() const { return view; }
  void fill(uint32_t seed) { cuda::fill_uniform_bf16(buffer.data(), buffer.bytes() / 2, seed); }

  cuda::DeviceBuffer buffer;
  Bnhd<bf16_bits> view;
};

double event_ms(const Work& work) { return cuda::event_ms(work); }

}  // namespace

Measurement measure_core_cuda(const attention::Spec& spec, const CoreShape& shape, bool backward,
                              const Repeats& repeats, int64_t budget_bytes, int64_t tokens) {
  const attention::Problem problem = whole_sequence(shape, tokens);
  attention::validate(spec, problem);
  MemoryMeter meter(budget_bytes);
  DeviceTensor q(meter, shape, tokens, "Q"), k(meter, shape, tokens, "K"),
      v(meter, shape, tokens, "V"), o(meter, shape, tokens, "O");
  cuda::DeviceBuffer lse(meter, shape.batch * shape.heads * tokens * int64_t(sizeof(float)), "lse");
  const auto forward_workspace = int64_t(attention::attention_forward_workspace_bytes(spec, problem));
  const auto backward_workspace =
      backward ? int64_t(attention::attention_backward_workspace_bytes(spec, problem)) : 0;
  // One workspace serves both calls: they run one after the other on the same stream.
  cuda::DeviceBuffer workspace(meter, std::max(forward_workspace, backward_workspace), "workspace");
  const attention::CudaLaunch launch{workspace.data(), size_t(workspace.bytes()), nullptr};
  q.fill(1), k.fill(2), v.fill(3);
  float* lse_data = static_cast<float*>(lse.data());
  const auto forward = [&] {
    attention::attention_forward_cuda(spec, problem, q.in(), k.in(), v.in(), o.view, lse_data,
                                      launch);
  };
  if (!backward) {
    const double ms = median_ms(event_ms, forward, repeats);
    cuda::synchronize("attention forward");
    return {ms, meter.peak()};
  }
  DeviceTensor d_o(meter, shape, tokens, "dO"), dq(meter, shape, tokens, "dQ"),
      dk(meter, shape, tokens, "dK"), dv(meter, shape, tokens, "dV");
  d_o.fill(4);
  const auto forward_backward = [&] {
    forward();
    attention::attention_backward_cuda(spec, problem, q.in(), k.in(), v.in(), o.in(), d_o.in(),
                                       lse_data, dq.view, dk.view, dv.view,
                                       /*deterministic=*/false, launch);
  };
  const double ms = median_ms(event_ms, forward_backward, repeats);
  cuda::synchronize("attention forward and backward");
  return {ms, meter.peak()};
}

}  // namespace longnet::bench
