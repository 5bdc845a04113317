#include "nn/attention.h"

#include <algorithm>
#include <vector>

#include "attention/cpu/attention_cpu.h"
#include "attention/cuda/attention_cuda.h"
#include "autograd/node.h"
#include "ops/cuda/device_context.h"
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

// The CUDA kernels take bf16 (the Tensor library computes in f32 on CUDA, bf16 is its storage
// type): q, k, v are cast to bf16, O and the gradients back to q's dtype. O, lse and the
// workspaces come from the caching allocator; every call is queued on the device's one stream.
using attention::bf16_bits;

attention::Bnhd<bf16_bits> cuda_view(const Tensor& t) {
  return {static_cast<bf16_bits*>(t.raw_data()), t.stride(0), t.stride(1), t.stride(2)};
}

Tensor bf16_of(const Tensor& t) { return ops::contiguous(ops::cast(t.detach(), DType::bf16)); }

Tensor workspace(size_t bytes, Device device) {
  return Tensor::empty({int64_t((bytes + 3) / 4)}, DType::f32, device);
}

Tensor attention_cuda(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                      const attention::Spec& spec, int64_t block) {
  const int64_t n = q_in.size(1);
  if (block > 0 && n > block)
    fail<RuntimeError>("attention: blockwise causal attention (block {} < N {}) has no CUDA path "
                       "yet; run it on the CPU or with block = 0",
                       block, n);
  const Device device = q_in.device();
  const Tensor q = bf16_of(q_in), k = bf16_of(k_in), v = bf16_of(v_in);
  const attention::Problem p = problem_of(q, {0, n, 0});
  void* const stream = cuda::DeviceContext::get(device.index).stream();
  const Tensor o = Tensor::empty(q.shape(), DType::bf16, device);
  const Tensor lse = Tensor::empty({p.batch, p.heads, n}, DType::f32, device);
  {
    const size_t bytes = attention::attention_forward_workspace_bytes(spec, p);
    const Tensor scratch = workspace(bytes, device);
    attention::attention_forward_cuda(spec, p, cuda_view(q), cuda_view(k), cuda_view(v),
                                      cuda_view(o), static_cast<float*>(lse.raw_data()),
                                      {scratch.raw_data(), bytes, stream});
  }
  Tensor out = ops::cast(o, q_in.dtype());
  if (autograd::any_requires_grad({q_in, k_in, v_in})) {
    // A detached handle: `out` is `o` itself when q is bf16, and must not be kept by its node.
    const Tensor o_saved = o.detach();
    const DType dtype = q_in.dtype();
    autograd::record(out, "attention", {q_in, k_in, v_in},
                     [=, o = o_saved](const Tensor& grad, const std::vector<bool>&) {
                       const Tensor d_o = bf16_of(grad);
                       const Tensor dq = Tensor::empty(q.shape(), DType::bf16, device),
                                    dk = Tensor::empty(q.shape(), DType::bf16, device),
                                    dv = Tensor::empty(q.shape(), DType::bf16, device);
                       const size_t bytes = attention::attention_backward_workspace_bytes(spec, p);
                       const Tensor scratch = workspace(bytes, device);
                       attention::attention_backward_cuda(
                           spec, p, cuda_view(q), cuda_view(k), cuda_view(v), cuda_view(o),
                           cuda_view(d_o), static_cast<const float*>(lse.raw_data()),
                           cuda_view(dq), cuda_view(dk), cuda_view(dv), /*deterministic=*/false,
                           {scratch.raw_data(), bytes, stream});
                       return std::vector<Tensor>{ops::cast(dq, dtype), ops::cast(dk, dtype),
                                                  ops::cast(dv, dtype)};
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
  if (q.dtype() != k.dtype() || q.dtype() != v.dtype())
    fail<RuntimeError>("attention: q, k, v dtypes differ");
  if (q.device() != k.device() || q.device() != v.device())
    fail<RuntimeError>("attention: q, k, v are on different devices ({}, {}, {})",
                       to_string(q.device()), to_string(k.device()), to_string(v.device()));
  if (!q.device().is_cpu()) return attention_cuda(q, k, v, spec, block);
  switch (q.dtype()) {
    case DType::f32: return attention_typed<float>(q, k, v, spec, block);
    case DType::f64: return attention_typed<double>(q, k, v, spec, block);
    default:
      fail<RuntimeError>("attention: dtype {} is not supported on the CPU (f32, f64)",
                         dtype_name(q.dtype()));
  }
}

}  // namespace longnet::nn
