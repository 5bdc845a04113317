#include "nn/attention.h"

#include <algorithm>
#include <vector>

#include "attention/cpu/attention_cpu.h"
#include "autograd/node.h"
#include "ops/create.h"
#include "ops/view.h"

namespace longnet::nn {
namespace {

// One kernel call: queries [q_begin, q_end) against keys [kv_begin, q_end) of the full sequence.
struct Window {
  int64_t q_begin, q_end, kv_begin;
};

std::vector<Window> windows(int64_t n, int64_t block) {
  if (block <= 0 || n <= block) return {{0, n, 0}};
  std::vector<Window> out;
  for (int64_t begin = 0; begin < n; begin += block)
    out.push_back({begin, std::min(n, begin + block), std::max<int64_t>(0, begin - block)});
  return out;
}

attention::Problem problem_of(const Tensor& q, const Window& w) {
  return {.batch = q.size(0), .heads = q.size(2), .head_dim = q.size(3),
          .seq_len = w.q_end - w.kv_begin, .q_start = w.q_begin - w.kv_begin,
          .q_len = w.q_end - w.q_begin, .kv_start = 0, .kv_len = w.q_end - w.kv_begin};
}

// Rows [row, ...) of a contiguous [B, N, H, Dh] tensor as a kernel view.
template <class T>
attention::Bnhd<T> view(const Tensor& t, int64_t row) {
  return {t.data<T>() + row * t.stride(1), t.stride(0), t.stride(1), t.stride(2)};
}

template <class T>
struct Kernels {
  static void forward(const attention::Spec& spec, const std::vector<Window>& ws, const Tensor& q,
                      const Tensor& k, const Tensor& v, const Tensor& o,
                      std::vector<std::vector<T>>& lse) {
    lse.resize(ws.size());
    for (size_t i = 0; i < ws.size(); ++i) {
      const attention::Problem p = problem_of(q, ws[i]);
      lse[i].resize(size_t(p.batch * p.heads * p.q_len));
      attention::attention_forward_cpu<T>(spec, p, view<T>(q, ws[i].q_begin),
                                          view<T>(k, ws[i].kv_begin), view<T>(v, ws[i].kv_begin),
                                          view<T>(o, ws[i].q_begin), lse[i].data());
    }
  }

  static void backward(const attention::Spec& spec, const std::vector<Window>& ws,
                       const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& o,
                       const std::vector<std::vector<T>>& lse, const Tensor& d_o,
                       const Tensor& dq, const Tensor& dk, const Tensor& dv) {
    for (size_t i = 0; i < ws.size(); ++i) {
      const attention::Problem p = problem_of(q, ws[i]);
      // Windows share keys, so their key gradients add up into zero-filled buffers.
      attention::attention_backward_cpu<T>(
          spec, p, view<T>(q, ws[i].q_begin), view<T>(k, ws[i].kv_begin),
          view<T>(v, ws[i].kv_begin), view<T>(o, ws[i].q_begin), lse[i].data(),
          view<T>(d_o, ws[i].q_begin), view<T>(dq, ws[i].q_begin), view<T>(dk, ws[i].kv_begin),
          view<T>(dv, ws[i].kv_begin), /*accumulate=*/true);
    }
  }
};

template <class T>
Tensor attention_typed(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                       const attention::Spec& spec, int64_t block) {
  const Tensor q = ops::contiguous(q_in.detach()), k = ops::contiguous(k_in.detach()),
               v = ops::contiguous(v_in.detach());
  const std::vector<Window> ws = windows(q.size(1), block);
  Tensor out = Tensor::empty(q.shape(), q.dtype(), q.device());
  auto lse = std::make_shared<std::vector<std::vector<T>>>();
  Kernels<T>::forward(spec, ws, q, k, v, out, *lse);
  if (autograd::any_requires_grad({q_in, k_in, v_in})) {
    const Tensor o = out.detach();
    autograd::record(out, "attention", {q_in, k_in, v_in},
                     [=](const Tensor& grad, const std::vector<bool>&) {
                       const Tensor d_o = ops::contiguous(grad);
                       Tensor dq = ops::zeros(q.shape(), q.dtype()),
                              dk = ops::zeros(q.shape(), q.dtype()),
                              dv = ops::zeros(q.shape(), q.dtype());
                       Kernels<T>::backward(spec, ws, q, k, v, o, *lse, d_o, dq, dk, dv);
                       return std::vector<Tensor>{dq, dk, dv};
                     });
  }
  return out;
}

}  // namespace

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const attention::Spec& spec,
                 int64_t block) {
  if (q.dim() != 4 || q.shape() != k.shape() || q.shape() != v.shape())
    fail<RuntimeError>("attention: q, k, v must share one [B, N, H, Dh] shape, got {} {} {}",
                       shape_string(q.shape()), shape_string(k.shape()), shape_string(v.shape()));
  if (!q.device().is_cpu())
    fail<RuntimeError>("attention: no kernels for device {} yet (CPU only)",
                       to_string(q.device()));
  if (q.dtype() != k.dtype() || q.dtype() != v.dtype())
    fail<RuntimeError>("attention: q, k, v dtypes differ");
  switch (q.dtype()) {
    case DType::f32: return attention_typed<float>(q, k, v, spec, block);
    case DType::f64: return attention_typed<double>(q, k, v, spec, block);
    default:
      fail<RuntimeError>("attention: dtype {} is not supported on the CPU (f32, f64)",
                         dtype_name(q.dtype()));
  }
}

}  // namespace longnet::nn
