#include <cmath>
#include <optional>

#include "attention/cpu/attention_cpu.h"
#include "autograd/grad_mode.h"
#include "bench/attention_targets.h"
#include "bench/memory_meter.h"
#include "ops/create.h"
#include "ops/layer_norm.h"
#include "ops/matmul.h"
#include "ops/view.h"
#include "ops/xpos.h"

namespace longnet::bench {

namespace {

// A tensor counted by the meter while it is held.
struct Held {
  Held(MemoryMeter& meter, Tensor tensor, const std::string& what)
      : t(std::move(tensor)), lease(meter, t.numel() * int64_t(sizeof(float)), what) {}
  Tensor t;
  MemoryLease lease;
};

struct Parameters {
  Parameters(MemoryMeter& meter, int64_t dim)
      : wq(meter, weight(dim, 11), "Wq"), wk(meter, weight(dim, 12), "Wk"),
        wv(meter, weight(dim, 13), "Wv"), wo(meter, weight(dim, 14), "Wo"),
        bq(meter, bias(dim, 21), "bq"), bk(meter, bias(dim, 22), "bk"),
        bv(meter, bias(dim, 23), "bv"), bo(meter, bias(dim, 24), "bo"),
        ln_weight(meter, ops::ones({dim}), "Sub-LN weight"),
        ln_bias(meter, ops::zeros({dim}), "Sub-LN bias") {}

  // PyTorch-style Linear init, uniform within +-1/sqrt(fan_in) (DESIGN.md section 4).
  static Tensor weight(int64_t dim, uint64_t stream) {
    const double bound = 1.0 / std::sqrt(double(dim));
    return ops::uniform({dim, dim}, -bound, bound, 2026, stream);
  }
  static Tensor bias(int64_t dim, uint64_t stream) {
    const double bound = 1.0 / std::sqrt(double(dim));
    return ops::uniform({dim}, -bound, bound, 2026, stream);
  }

  Held wq, wk, wv, wo, bq, bk, bv, bo, ln_weight, ln_bias;
};

attention::Bnhd<float> bnhd(const Tensor& t) {
  return {t.data<float>(), t.stride(0), t.stride(1), t.stride(2)};
}

// One layer forward; each tensor is let go as soon as the layer no longer needs it, as an
// inference run would.
void layer_forward(MemoryMeter& meter, const attention::Spec& spec, const CoreShape& s,
                   int64_t tokens, const Parameters& p, const Tensor& x) {
  autograd::NoGradGuard no_grad;
  const int64_t dim = s.heads * s.head_dim;
  const Shape heads_shape = {s.batch, tokens, s.heads, s.head_dim};
  std::optional<Held> q, k;
  {
    Held q_proj(meter, ops::linear(x, p.wq.t, p.bq.t), "q projection");
    q.emplace(meter, ops::contiguous(ops::xpos_rotate(ops::reshape(q_proj.t, heads_shape), 0)), "q");
  }
  {
    Held k_proj(meter, ops::linear(x, p.wk.t, p.bk.t), "k projection");
    k.emplace(meter, ops::contiguous(ops::xpos_rotate(ops::reshape(k_proj.t, heads_shape), 0)), "k");
  }
  Held v(meter, ops::reshape(ops::linear(x, p.wv.t, p.bv.t), heads_shape), "v");
  Held o(meter, Tensor::empty(heads_shape, DType::f32), "attention output");
  {
    Held lse(meter, Tensor::empty({s.batch, s.heads, tokens}, DType::f32), "lse");
    attention::attention_forward_cpu<float>(spec, whole_sequence(s, tokens), bnhd(q->t), bnhd(k->t),
                                            bnhd(v.t), bnhd(o.t), lse.t.data<float>());
  }
  q.reset(), k.reset();
  Held normed(meter, ops::layer_norm(ops::reshape(o.t, {s.batch, tokens, dim}), p.ln_weight.t,
                                     p.ln_bias.t),
              "Sub-LN output");
  Held out(meter, ops::linear(normed.t, p.wo.t, p.bo.t), "layer output");
}

}  // namespace

Measurement measure_layer_cpu(const attention::Spec& spec, const CoreShape& shape,
                              const Repeats& repeats, int64_t budget_bytes, int64_t tokens) {
  attention::validate(spec, whole_sequence(shape, tokens));
  const int64_t dim = shape.heads * shape.head_dim;
  MemoryMeter meter(budget_bytes);
  const Parameters parameters(meter, dim);
  const Held x(meter, ops::uniform({shape.batch, tokens, dim}, -1, 1, 2026, 1), "x");
  const auto forward = [&] { layer_forward(meter, spec, shape, tokens, parameters, x.t); };
  return {median_ms(steady_clock_ms, forward, repeats), meter.peak()};
}

double layer_flops(const attention::Spec& spec, const CoreShape& shape, int64_t tokens) {
  const double dim = double(shape.heads * shape.head_dim);
  return 8.0 * double(shape.batch) * double(tokens) * dim * dim +
         core_flops(spec, shape, /*backward=*/false, tokens);
}

}  // namespace longnet::bench
