#include <algorithm>
#include <optional>

#include "attention/cuda/attention_cuda.h"
#include "bench/attention_targets.h"
#include "bench/cuda/device.h"
#include "ops/cuda/device_context.h"
#include "ops/cuda/gemm.h"
#include "ops/cuda/layernorm.h"
#include "ops/cuda/rotary.h"

namespace longnet::bench {

namespace {

using attention::bf16_bits;
using Context = longnet::cuda::DeviceContext;

// x [rows, dim] @ weight[dim, dim]^T + bias, written to `out` (cuBLASLt, bias epilogue).
void projection(Context& ctx, int64_t rows, int64_t dim, const void* x, const void* weight,
                const void* bias, void* out) {
  longnet::cuda::GemmArgs g;
  g.dtype = longnet::cuda::DType::bf16;
  g.m = rows, g.n = dim, g.k = dim;
  g.a = x, g.lda = dim;
  g.b = weight, g.ldb = dim, g.trans_b = true;
  g.c = out, g.ldc = dim;
  g.epilogue = longnet::cuda::Epilogue::bias;
  g.bias = const_cast<void*>(bias);
  longnet::cuda::gemm(ctx, g);
}

}  // namespace

Measurement measure_layer_cuda(const attention::Spec& spec, const CoreShape& s,
                               const Repeats& repeats, int64_t budget_bytes, int64_t tokens) {
  const attention::Problem problem = whole_sequence(s, tokens);
  attention::validate(spec, problem);
  Context& ctx = Context::current();
  const int64_t dim = s.heads * s.head_dim, rows = s.batch * tokens;
  const int64_t activation = rows * dim * int64_t(sizeof(bf16_bits));
  MemoryMeter meter(budget_bytes);
  // Wq, Wk, Wv, Wo, then bq, bk, bv, bo, then the Sub-LN weight and bias, in one buffer.
  cuda::DeviceBuffer parameters(meter, (4 * dim * dim + 6 * dim) * int64_t(sizeof(bf16_bits)),
                                "parameters");
  // Four activations live at once, the floor of a layer: x is dead after the projections, so
  // its buffer is then the attention's workspace (the fp32 running O, twice an activation);
  // O is written over q, which our kernels read last. Dense keeps its own O: it goes to cuDNN,
  // which writes O while it reads Q.
  const int64_t workspace_bytes =
      int64_t(attention::attention_forward_workspace_bytes(spec, problem));
  cuda::DeviceBuffer x_then_workspace(meter, std::max(activation, workspace_bytes),
                                      "x, then the attention workspace");
  cuda::DeviceBuffer q(meter, activation, "q"), k(meter, activation, "k"),
      v(meter, activation, "v");
  std::optional<cuda::DeviceBuffer> own_o;
  if (spec.kind == attention::Kind::dense) own_o.emplace(meter, activation, "O");
  const cuda::DeviceBuffer& o = own_o ? *own_o : q;
  cuda::DeviceBuffer lse(meter, s.batch * s.heads * tokens * int64_t(sizeof(float)), "lse");
  cuda::DeviceBuffer stats(meter, 2 * rows * int64_t(sizeof(float)), "LayerNorm mean and rstd");
  cuda::fill_uniform_bf16(parameters.data(), parameters.bytes() / 2, 5);
  cuda::synchronize("filling the layer's parameters");  // the fills ran on the default stream

  const auto* w = static_cast<const bf16_bits*>(parameters.data());
  const auto weight = [&](int i) { return w + i * dim * dim; };
  const auto bias = [&](int i) { return w + 4 * dim * dim + i * dim; };
  float* mean = static_cast<float*>(stats.data());
  const attention::Bnhd<bf16_bits> q_view{static_cast<bf16_bits*>(q.data()), tokens * dim, dim,
                                          s.head_dim};
  const auto view = [&](const cuda::DeviceBuffer& b) {
    return attention::Bnhd<bf16_bits>{static_cast<bf16_bits*>(b.data()), q_view.stride_b,
                                      q_view.stride_n, q_view.stride_h};
  };
  const longnet::cuda::RotaryShape rotary{s.batch, tokens, s.heads, s.head_dim};
  const longnet::cuda::RotaryStrides strides{tokens * dim, dim, s.head_dim};
  const attention::CudaLaunch launch{x_then_workspace.data(), size_t(workspace_bytes),
                                     ctx.stream()};
  const longnet::cuda::LayerNormShape norm{rows, dim};

  // The Sub-LN output goes to k's buffer and the layer output to v's: both are free by then.
  const auto forward = [&] {
    projection(ctx, rows, dim, x_then_workspace.data(), weight(0), bias(0), q.data());
    projection(ctx, rows, dim, x_then_workspace.data(), weight(1), bias(1), k.data());
    projection(ctx, rows, dim, x_then_workspace.data(), weight(2), bias(2), v.data());
    longnet::cuda::rotary_forward(ctx, rotary, q.data(), strides, q.data(), strides);
    longnet::cuda::rotary_forward(ctx, rotary, k.data(), strides, k.data(), strides);
    attention::attention_forward_cuda(spec, problem, view(q), view(k), view(v), view(o),
                                      static_cast<float*>(lse.data()), launch);
    longnet::cuda::layernorm_forward(ctx, norm, {o.data(), dim}, bias(4), bias(5), {k.data(), dim},
                                     mean, mean + rows);
    projection(ctx, rows, dim, k.data(), weight(3), bias(3), v.data());
  };
  // The workspace overwrote the input, so each run starts from a fresh one (filled untimed).
  const auto fresh_input_then_time = [&](const Work& work) {
    ctx.synchronize();
    cuda::fill_uniform_bf16(x_then_workspace.data(), activation / 2, 6);
    cuda::synchronize("refilling the layer's input");
    return cuda::event_ms(work, ctx.stream());
  };
  const double ms = median_ms(fresh_input_then_time, forward, repeats);
  ctx.synchronize();
  return {ms, meter.peak()};
}

}  // namespace longnet::bench
