#include "nn/attention.h"

#include <algorithm>
#include <vector>

#include "attention/cpu/attention_cpu.h"
#include "attention/cuda/attention_cuda.h"
#include "autograd/node.h"
#include "ops/cuda/device_context.h"
#include "ops/create.h"
#include "ops/elementwise.h"
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
// Blockwise attention is one kernel call per window, as on the CPU.
using attention::bf16_bits;

// Rows [row, ...) of a contiguous bf16 [B, N, H, Dh] CUDA tensor as a kernel view.
attention::Bnhd<bf16_bits> cuda_view(const Tensor& t, int64_t row = 0) {
  return {static_cast<bf16_bits*>(t.raw_data()) + row * t.stride(1), t.stride(0), t.stride(1),
          t.stride(2)};
}

Tensor bf16_of(const Tensor& t) { return ops::contiguous(ops::cast(t.detach(), DType::bf16)); }

Tensor workspace(size_t bytes, Device device) {
  return Tensor::empty({int64_t((bytes + 3) / 4)}, DType::f32, device);
}

// The key (or value) gradient of the whole sequence from each window's, in `dtype`. Windows
// overlap by one block - window i > 0 starts its keys at block i - 1 - so block i's gradient is
// window i's own part plus window i + 1's first part, added in that order (fixed, so
// deterministic), in f32.
Tensor sum_key_gradients(const std::vector<Window>& ws, const std::vector<Tensor>& parts,
                         DType dtype) {
  if (parts.size() == 1) return ops::cast(parts[0], dtype);
  std::vector<Tensor> blocks;
  for (size_t i = 0; i < ws.size(); ++i) {
    const int64_t own = ws[i].q_begin - ws[i].kv_begin, len = ws[i].q_end - ws[i].kv_begin;
    Tensor g = ops::cast(ops::slice(parts[i], 1, own, len), DType::f32);
    if (i + 1 < ws.size()) {
      const int64_t shared = ws[i + 1].q_begin - ws[i + 1].kv_begin;
      g = ops::add(g, ops::cast(ops::slice(parts[i + 1], 1, 0, shared), DType::f32));
    }
    blocks.push_back(g);
  }
  return ops::cast(ops::concat(blocks, 1), dtype);
}

Tensor attention_cuda(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                      const attention::Spec& spec, const AttentionOptions& options) {
  const std::vector<Window> ws = windows(q_in.size(1), options.block);
  const Device device = q_in.device();
  const Tensor q = bf16_of(q_in), k = bf16_of(k_in), v = bf16_of(v_in);
  void* const stream = cuda::DeviceContext::get(device.index).stream();
  const Tensor o = Tensor::empty(q.shape(), DType::bf16, device);
  std::vector<Tensor> lse;  // per window: [B, H, window queries]
  for (const Window& w : ws) {
    const attention::Problem p = problem_of(q, w);
    lse.push_back(Tensor::empty({p.batch, p.heads, p.q_len}, DType::f32, device));
    const size_t bytes = attention::attention_forward_workspace_bytes(spec, p);
    const Tensor scratch = workspace(bytes, device);
    attention::attention_forward_cuda(spec, p, cuda_view(q, w.q_begin), cuda_view(k, w.kv_begin),
                                      cuda_view(v, w.kv_begin), cuda_view(o, w.q_begin),
                                      static_cast<float*>(lse.back().raw_data()),
                                      {scratch.raw_data(), bytes, stream});
  }
  Tensor out = ops::cast(o, q_in.dtype());
  if (autograd::any_requires_grad({q_in, k_in, v_in})) {
    // A detached handle: `out` is `o` itself when q is bf16, and must not be kept by its node.
    const Tensor o_saved = o.detach();
    const DType dtype = q_in.dtype();
    const bool deterministic = options.deterministic;
    autograd::record(
        out, "attention", {q_in, k_in, v_in},
        [=, o = o_saved](const Tensor& grad, const std::vector<bool>&) {
          const Tensor d_o = bf16_of(grad);
          const Tensor dq = Tensor::empty(q.shape(), DType::bf16, device);
          std::vector<Tensor> dk, dv;  // per window: its keys' gradients
          for (size_t i = 0; i < ws.size(); ++i) {
            const attention::Problem p = problem_of(q, ws[i]);
            const Shape keys{p.batch, p.kv_len, p.heads, p.head_dim};
            dk.push_back(Tensor::empty(keys, DType::bf16, device));
            dv.push_back(Tensor::empty(keys, DType::bf16, device));
            const size_t bytes = attention::attention_backward_workspace_bytes(spec, p);
            const Tensor scratch = workspace(bytes, device);
            attention::attention_backward_cuda(
                spec, p, cuda_view(q, ws[i].q_begin), cuda_view(k, ws[i].kv_begin),
                cuda_view(v, ws[i].kv_begin), cuda_view(o, ws[i].q_begin),
                cuda_view(d_o, ws[i].q_begin), static_cast<const float*>(lse[i].raw_data()),
                cuda_view(dq, ws[i].q_begin), cuda_view(dk.back()), cuda_view(dv.back()),
                deterministic, {scratch.raw_data(), bytes, stream});
          }
          return std::vector<Tensor>{ops::cast(dq, dtype), sum_key_gradients(ws, dk, dtype),
                                     sum_key_gradients(ws, dv, dtype)};
        });
  }
  return out;
}

}  // namespace

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const attention::Spec& spec,
                 const AttentionOptions& options) {
  if (q.dim() != 4 || q.shape() != k.shape() || q.shape() != v.shape())
    fail<RuntimeError>("attention: q, k, v must share one [B, N, H, Dh] shape, got {} {} {}",
                       shape_string(q.shape()), shape_string(k.shape()), shape_string(v.shape()));
  if (q.dtype() != k.dtype() || q.dtype() != v.dtype())
    fail<RuntimeError>("attention: q, k, v dtypes differ");
  if (q.device() != k.device() || q.device() != v.device())
    fail<RuntimeError>("attention: q, k, v are on different devices ({}, {}, {})",
                       to_string(q.device()), to_string(k.device()), to_string(v.device()));
  if (!q.device().is_cpu()) return attention_cuda(q, k, v, spec, options);
  switch (q.dtype()) {
    case DType::f32: return attention_typed<float>(q, k, v, spec, options.block);
    case DType::f64: return attention_typed<double>(q, k, v, spec, options.block);
    default:
      fail<RuntimeError>("attention: dtype {} is not supported on the CPU (f32, f64)",
                         dtype_name(q.dtype()));
  }
}

}  // namespace longnet::nn
