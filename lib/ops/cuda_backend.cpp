// The CUDA op backend: the Backend interface over the ops/cuda building blocks, and the caching
// allocator (ops/cuda/block_cache.h) as lib/tensor's allocator for cuda devices. Ops without a
// kernel throw "<op> has no CUDA kernel yet" rather than falling back to the CPU. Kernels compute
// f32, bf16 and f64 (f64 in fp64); integer dtypes only move (copies, zero fills). Softmax,
// log-softmax and logsumexp are compositions of the reduce and elementwise kernels; in f64,
// LayerNorm, cross-entropy, embedding and XPOS are too (ops/cuda/composed.h, indices.h), as their
// fused kernels take f32/bf16 only.
#include <limits>

#include "ops/backend.h"
#include "ops/cuda/argmax.h"
#include "ops/cuda/composed.h"
#include "ops/cuda/cross_entropy.h"
#include "ops/cuda/device_context.h"
#include "ops/cuda/elementwise.h"
#include "ops/cuda/embedding.h"
#include "ops/cuda/gemm.h"
#include "ops/cuda/indices.h"
#include "ops/cuda/layernorm.h"
#include "ops/cuda/random.h"
#include "ops/cuda/reduce.h"
#include "ops/cuda/rotary.h"
#include "ops/cuda/scratch.h"
#include "ops/xpos_table.h"
#include "tensor/allocator.h"

namespace longnet::ops {
namespace {

namespace cu = longnet::cuda;

[[noreturn]] void no_kernel(std::string_view op) {
  fail<RuntimeError>("{} has no CUDA kernel yet (run it on the cpu device)", op);
}

cu::DeviceContext& context(const Tensor& t) { return cu::DeviceContext::get(t.device().index); }

cu::DType kernel_dtype(const Tensor& t, std::string_view op) {
  if (t.dtype() == DType::f32) return cu::DType::f32;
  if (t.dtype() == DType::bf16) return cu::DType::bf16;
  if (t.dtype() == DType::f64) return cu::DType::f64;
  fail<RuntimeError>("{} on dtype {} has no CUDA kernel (f32, bf16 and f64 only)", op,
                     dtype_name(t.dtype()));
}

// The dtype of temporaries for a composition over t: f64 stays f64, f32 and bf16 work in f32.
cu::DType math_dtype(const Tensor& t) { return t.dtype() == DType::f64 ? cu::DType::f64 : cu::DType::f32; }

bool is_f64(const Tensor& t) { return t.dtype() == DType::f64; }

cu::IndexType index_type(const Tensor& t, std::string_view op) {
  if (t.dtype() == DType::i32) return cu::IndexType::i32;
  if (t.dtype() == DType::i64) return cu::IndexType::i64;
  if (t.dtype() == DType::u16) return cu::IndexType::u16;
  fail<RuntimeError>("{}: ids must be i32, i64 or u16, got {}", op, dtype_name(t.dtype()));
}

void check_f32(const Tensor& t, std::string_view op) {
  if (t.dtype() != DType::f32)
    fail<RuntimeError>("{} on dtype {} has no CUDA kernel yet (f32 only)", op,
                       dtype_name(t.dtype()));
}

// A shape and the strides of several tensors over it, folded into the kernels' 4-D index space:
// size-1 dims are dropped and neighbours that every operand steps through evenly are merged.
struct Folded {
  cu::Extent extent{1, 1, 1, 1};
  std::vector<cu::Strides> strides;
};

Folded fold(const Shape& shape, const std::vector<const Tensor*>& operands, std::string_view op) {
  const size_t n = operands.size();
  std::vector<int64_t> sizes;                 // innermost first
  std::vector<std::vector<int64_t>> steps(n);  // per operand, innermost first
  for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
    if (shape[d] == 1) continue;
    bool merges = !sizes.empty();
    for (size_t i = 0; i < n && merges; ++i)
      merges = operands[i]->stride(d) == steps[i].back() * sizes.back();
    if (merges) {
      sizes.back() *= shape[d];
      continue;
    }
    sizes.push_back(shape[d]);
    for (size_t i = 0; i < n; ++i) steps[i].push_back(operands[i]->stride(d));
  }
  if (sizes.size() > 4)
    fail<RuntimeError>("{}: shape {} with these strides needs {} dims, the CUDA kernels take 4; "
                       "make the operands contiguous first", op, shape_string(shape), sizes.size());
  Folded f;
  f.strides.assign(n, cu::Strides{0, 0, 0, 0});
  for (size_t k = 0; k < sizes.size(); ++k) {
    f.extent[3 - k] = sizes[k];
    for (size_t i = 0; i < n; ++i) f.strides[i][3 - k] = steps[i][k];
  }
  return f;
}

cu::InView in_view(const Tensor& t, const cu::Strides& s, std::string_view op) {
  return {t.raw_data(), kernel_dtype(t, op), s};
}
cu::OutView out_view(const Tensor& t, const cu::Strides& s, std::string_view op) {
  return {t.raw_data(), kernel_dtype(t, op), s};
}

// A contiguous shape as [outer, n, inner] around dimension `dim` (n = its size).
struct AroundDim {
  int64_t outer = 1, n = 1, inner = 1;
};
AroundDim around(const Shape& shape, int64_t dim) {
  AroundDim a;
  for (int64_t d = 0; d < int64_t(shape.size()); ++d) {
    if (d < dim) a.outer *= shape[d];
    if (d > dim) a.inner *= shape[d];
  }
  a.n = shape[dim];
  return a;
}

using cu::matrix_extent;
using cu::one_per_row;
using cu::row_major;
using cu::Scratch;

void unary_flat(cu::DeviceContext& ctx, cu::UnaryOp op, double alpha, const Tensor& x,
                const Tensor& out, std::string_view name) {
  const cu::Extent e{1, 1, 1, out.numel()};
  cu::unary(ctx, op, alpha, e, in_view(x, row_major(e[3]), name),
            out_view(out, row_major(e[3]), name));
}

void binary_flat(cu::DeviceContext& ctx, cu::BinaryOp op, const Tensor& a, const Tensor& b,
                 const Tensor& out, std::string_view name, double alpha = 0) {
  const cu::Extent e{1, 1, 1, out.numel()};
  cu::binary(ctx, op, e, in_view(a, row_major(e[3]), name), in_view(b, row_major(e[3]), name),
             out_view(out, row_major(e[3]), name), alpha);
}

// The elementwise kernel of a map (clamp_min, a binary max, is not one of them).
cu::UnaryOp unary_kernel(UnaryOp op) {
  switch (op) {
    case UnaryOp::neg: return cu::UnaryOp::neg;
    case UnaryOp::exp: return cu::UnaryOp::exp;
    case UnaryOp::log: return cu::UnaryOp::log;
    case UnaryOp::tanh: return cu::UnaryOp::tanh;
    case UnaryOp::gelu_erf: return cu::UnaryOp::gelu;
    case UnaryOp::sqrt: return cu::UnaryOp::sqrt;
    case UnaryOp::rsqrt: return cu::UnaryOp::rsqrt;
    case UnaryOp::add_scalar: return cu::UnaryOp::add_scalar;
    case UnaryOp::mul_scalar: return cu::UnaryOp::scale;
    case UnaryOp::gelu_tanh: return cu::UnaryOp::gelu_tanh;
    case UnaryOp::pow: return cu::UnaryOp::pow;
    case UnaryOp::clamp_min: break;
  }
  no_kernel("this element-wise map");
}

// The caching allocator of each GPU's context as the tensor library's cuda allocator.
class CudaAllocator final : public Allocator {
 public:
  void* allocate(Device device, size_t bytes) override {
    if (bytes == 0) return nullptr;
    return cu::DeviceContext::get(device.index).memory().allocate(bytes);
  }
  void deallocate(Device device, void* data, size_t) override {
    if (data) cu::DeviceContext::get(device.index).memory().free(data);
  }
};

CudaAllocator cuda_allocator;
// Registered when this file is linked in (backend_for refers to cuda_backend()); no GPU is
// touched until the first cuda tensor.
[[maybe_unused]] const bool allocator_registered = (set_allocator(Device::Kind::cuda, &cuda_allocator), true);

class CudaBackend final : public Backend {
 public:
  void copy(const Tensor& src, const Tensor& dst) override {
    if (src.dtype() == dst.dtype() && src.is_contiguous() && dst.is_contiguous()) {
      context(dst).copy_on_device(dst.raw_data(), src.raw_data(),
                                  size_t(dst.numel()) * dtype_size(dst.dtype()));
      return;
    }
    const Folded f = fold(dst.shape(), {&src, &dst}, "copy");
    cu::unary(context(dst), cu::UnaryOp::copy, 0, f.extent, in_view(src, f.strides[0], "copy"),
              out_view(dst, f.strides[1], "copy"));
  }

  void copy_from_host(const Tensor& host_src, const Tensor& dst) override {
    context(dst).copy_to_device(dst.raw_data(), host_src.raw_data(),
                                size_t(dst.numel()) * dtype_size(dst.dtype()));
  }

  void copy_to_host(const Tensor& src, const Tensor& host_dst) override {
    context(src).copy_to_host(host_dst.raw_data(), src.raw_data(),
                              size_t(src.numel()) * dtype_size(src.dtype()));
  }

  void fill(const Tensor& dst, double value) override {
    if (!is_floating(dst.dtype()) && value == 0 && dst.is_contiguous()) {
      context(dst).fill_bytes(dst.raw_data(), 0, size_t(dst.numel()) * dtype_size(dst.dtype()));
      return;
    }
    const Folded f = fold(dst.shape(), {&dst}, "fill");
    const cu::OutView out = out_view(dst, f.strides[0], "fill");
    cu::unary(context(dst), cu::UnaryOp::fill, value, f.extent,
              {out.data, out.dtype, f.strides[0]}, out);
  }

  void fill_random(const Tensor& dst, Distribution dist, double a, double b, uint64_t seed,
                   uint64_t stream) override {
    cu::fill_random(context(dst), dst.numel(),
                    dist == Distribution::uniform ? cu::Distribution::uniform
                                                  : cu::Distribution::normal,
                    a, b, seed, stream, dst.raw_data(), kernel_dtype(dst, "fill_random"));
  }

  void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) override {
    static constexpr cu::BinaryOp kOps[] = {cu::BinaryOp::add, cu::BinaryOp::sub,
                                            cu::BinaryOp::mul, cu::BinaryOp::div};
    const Folded f = fold(out.shape(), {&a, &b, &out}, "binary");
    cu::binary(context(out), kOps[int(op)], f.extent, in_view(a, f.strides[0], "binary"),
               in_view(b, f.strides[1], "binary"), out_view(out, f.strides[2], "binary"));
  }

  void unary(UnaryOp op, const Tensor& x, double scalar, const Tensor& out) override {
    if (op == UnaryOp::clamp_min) return clamp_min(x, scalar, out);
    unary_flat(context(out), unary_kernel(op), scalar, x, out, "unary");
  }

  void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, double scalar,
                      const Tensor& gy, const Tensor& gx) override {
    cu::DeviceContext& ctx = context(gx);
    const std::string_view name = "unary backward";
    switch (op) {
      case UnaryOp::neg: return unary_flat(ctx, cu::UnaryOp::neg, 0, gy, gx, name);
      case UnaryOp::add_scalar: return unary_flat(ctx, cu::UnaryOp::copy, 0, gy, gx, name);
      case UnaryOp::mul_scalar:
        return unary_flat(ctx, cu::UnaryOp::scale, scalar, gy, gx, name);
      case UnaryOp::exp: return binary_flat(ctx, cu::BinaryOp::mul, gy, y, gx, name);
      case UnaryOp::log: return binary_flat(ctx, cu::BinaryOp::div, gy, x, gx, name);
      case UnaryOp::gelu_erf:
        return binary_flat(ctx, cu::BinaryOp::gelu_backward, x, gy, gx, name);
      case UnaryOp::tanh:  // gy * (1 - y^2)
        unary_flat(ctx, cu::UnaryOp::square, 0, y, gx, name);
        unary_flat(ctx, cu::UnaryOp::scale, -1, gx, gx, name);
        unary_flat(ctx, cu::UnaryOp::add_scalar, 1, gx, gx, name);
        return binary_flat(ctx, cu::BinaryOp::mul, gx, gy, gx, name);
      case UnaryOp::sqrt:  // gy / (2 y)
        unary_flat(ctx, cu::UnaryOp::scale, 2, y, gx, name);
        return binary_flat(ctx, cu::BinaryOp::div, gy, gx, gx, name);
      case UnaryOp::rsqrt:  // gy * (-y^3 / 2)
        unary_flat(ctx, cu::UnaryOp::square, 0, y, gx, name);
        binary_flat(ctx, cu::BinaryOp::mul, gx, y, gx, name);
        unary_flat(ctx, cu::UnaryOp::scale, -0.5, gx, gx, name);
        return binary_flat(ctx, cu::BinaryOp::mul, gx, gy, gx, name);
      case UnaryOp::gelu_tanh:
        return binary_flat(ctx, cu::BinaryOp::gelu_tanh_backward, x, gy, gx, name);
      case UnaryOp::pow:
        return binary_flat(ctx, cu::BinaryOp::pow_backward, x, gy, gx, name, scalar);
      case UnaryOp::clamp_min:
        return binary_flat(ctx, cu::BinaryOp::clamp_min_backward, x, gy, gx, name, scalar);
    }
  }

  void reduce(ReduceOp op, const Tensor& x, int64_t dim, const Tensor& out,
              const Tensor& argmax) override {
    if (out.numel() == 0) return;
    const auto [outer, n, inner] = around(x.shape(), dim);
    cu::DeviceContext& ctx = context(out);
    if (op == ReduceOp::max) {
      cu::max_with_argmax(ctx, outer, n, inner, x.raw_data(), kernel_dtype(x, "max"), out.raw_data(),
                          kernel_dtype(out, "max"), static_cast<int64_t*>(argmax.raw_data()));
      return;
    }
    if (op == ReduceOp::sum) {
      cu::reduce(ctx, cu::ReduceOp::sum, {1, outer, n, inner},
                 in_view(x, {0, n * inner, inner, 1}, "sum"), 2,
                 out_view(out, {0, inner, 0, 1}, "sum"));
      return;
    }
    cu::logsumexp(ctx, {1, outer, n, inner}, in_view(x, {0, n * inner, inner, 1}, "logsumexp"),
                  out_view(out, {0, inner, 0, 1}, "logsumexp"), math_dtype(x));
  }

  void max_backward(const Tensor& argmax, const Tensor& grad, int64_t dim,
                    const Tensor& grad_x) override {
    const auto [outer, n, inner] = around(grad_x.shape(), dim);
    if (n == 0) return;
    cu::max_backward(context(grad_x), outer, n, inner,
                     static_cast<const int64_t*>(argmax.raw_data()), grad.raw_data(),
                     kernel_dtype(grad_x, "max backward"), grad_x.raw_data());
  }

  void matmul(const Tensor& a, const Tensor& b, const Tensor& out) override {
    const cu::DType dt = kernel_dtype(out, "matmul");
    const int64_t batch = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
    cu::DeviceContext& ctx = context(out);
    if (out.numel() == 0) return;
    if (k == 0) return fill(out, 0);
    cu::GemmArgs g;
    g.dtype = dt;
    g.m = m, g.n = n, g.k = k;
    g.batch = batch;
    const Tensor da = as_blas_matrix(a, g.trans_a, g.lda);
    const Tensor db = as_blas_matrix(b, g.trans_b, g.ldb);
    g.a = da.raw_data(), g.stride_a = da.stride(0);
    g.b = db.raw_data(), g.stride_b = db.stride(0);
    g.c = out.raw_data(), g.ldc = n, g.stride_c = m * n;
    cu::gemm(ctx, g);
  }

  void layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, double eps, const Tensor& y,
                  const Tensor& mean, const Tensor& rstd) override {
    const int64_t e = x.size(-1);
    if (is_f64(x))
      return cu::composed_layernorm_forward(context(y), x.numel() / e, e, cu::DType::f64,
                                            x.raw_data(), w.raw_data(), b.raw_data(), eps,
                                            y.raw_data(), mean.raw_data(), rstd.raw_data());
    check_f32(mean, "layer_norm statistics");
    const cu::LayerNormShape s{x.numel() / e, e, kernel_dtype(x, "layer_norm"),
                               kernel_dtype(w, "layer_norm"), float(eps)};
    cu::layernorm_forward(context(y), s, {x.raw_data(), e}, w.raw_data(), b.raw_data(),
                          {y.raw_data(), e}, static_cast<float*>(mean.raw_data()),
                          static_cast<float*>(rstd.raw_data()));
  }

  void layer_norm_backward(const Tensor& x, const Tensor& w, const Tensor& mean,
                           const Tensor& rstd, const Tensor& gy, const Tensor& gx,
                           const Tensor& gw, const Tensor& gb) override {
    const int64_t e = x.size(-1);
    if (is_f64(x))
      return cu::composed_layernorm_backward(context(gx), x.numel() / e, e, cu::DType::f64,
                                             x.raw_data(), w.raw_data(), mean.raw_data(),
                                             rstd.raw_data(), gy.raw_data(), gx.raw_data(),
                                             gw.raw_data(), gb.raw_data());
    check_f32(mean, "layer_norm backward statistics");
    const cu::LayerNormShape s{x.numel() / e, e, kernel_dtype(x, "layer_norm backward"),
                               kernel_dtype(w, "layer_norm backward"), 0};
    cu::layernorm_backward(context(gx), s, {gy.raw_data(), e}, {x.raw_data(), e},
                           static_cast<const float*>(mean.raw_data()),
                           static_cast<const float*>(rstd.raw_data()), w.raw_data(),
                           {gx.raw_data(), e}, {nullptr, 0}, gw.raw_data(), gb.raw_data());
  }

  // softmax = exp(x - max) / sum; log-softmax = (x - max) - log sum exp(x - max).
  void softmax(const Tensor& x, bool log, const Tensor& y) override {
    const int64_t cols = x.size(-1), rows = x.numel() / cols;
    const std::string_view name = log ? "log_softmax" : "softmax";
    if (rows == 0) return;
    cu::DeviceContext& ctx = context(y);
    const cu::Extent e = matrix_extent(rows, cols);
    const cu::InView xin = in_view(x, row_major(cols), name), yin = in_view(y, row_major(cols), name);
    const cu::OutView yout = out_view(y, row_major(cols), name);
    Scratch top(ctx, rows, math_dtype(x)), total(ctx, rows, math_dtype(x));
    cu::reduce(ctx, cu::ReduceOp::max, e, xin, 3, top.out(one_per_row()));
    cu::binary(ctx, cu::BinaryOp::sub, e, xin, top.in(one_per_row()), yout);
    if (!log) {
      cu::unary(ctx, cu::UnaryOp::exp, 0, e, yin, yout);
      cu::reduce(ctx, cu::ReduceOp::sum, e, yin, 3, total.out(one_per_row()));
      cu::binary(ctx, cu::BinaryOp::div, e, yin, total.in(one_per_row()), yout);
      return;
    }
    Scratch exps(ctx, rows * cols, math_dtype(x));
    cu::unary(ctx, cu::UnaryOp::exp, 0, e, yin, exps.out(row_major(cols)));
    cu::reduce(ctx, cu::ReduceOp::sum, e, exps.in(row_major(cols)), 3, total.out(one_per_row()));
    cu::unary(ctx, cu::UnaryOp::log, 0, matrix_extent(rows, 1), total.in(one_per_row()),
              total.out(one_per_row()));
    cu::binary(ctx, cu::BinaryOp::sub, e, yin, total.in(one_per_row()), yout);
  }

  // softmax: gx = y * (gy - sum(gy * y)); log-softmax: gx = gy - exp(y) * sum(gy).
  void softmax_backward(const Tensor& y, const Tensor& gy, bool log,
                        const Tensor& gx) override {
    const int64_t cols = y.size(-1), rows = y.numel() / cols;
    const std::string_view name = log ? "log_softmax backward" : "softmax backward";
    if (rows == 0) return;
    cu::DeviceContext& ctx = context(gx);
    const cu::Extent e = matrix_extent(rows, cols);
    const cu::InView yin = in_view(y, row_major(cols), name), gyin = in_view(gy, row_major(cols), name),
                     gxin = in_view(gx, row_major(cols), name);
    const cu::OutView gxout = out_view(gx, row_major(cols), name);
    Scratch total(ctx, rows, math_dtype(y));
    if (!log) {
      cu::binary(ctx, cu::BinaryOp::mul, e, gyin, yin, gxout);
      cu::reduce(ctx, cu::ReduceOp::sum, e, gxin, 3, total.out(one_per_row()));
      cu::binary(ctx, cu::BinaryOp::sub, e, gyin, total.in(one_per_row()), gxout);
      cu::binary(ctx, cu::BinaryOp::mul, e, gxin, yin, gxout);
      return;
    }
    cu::reduce(ctx, cu::ReduceOp::sum, e, gyin, 3, total.out(one_per_row()));
    cu::unary(ctx, cu::UnaryOp::exp, 0, e, yin, gxout);
    cu::binary(ctx, cu::BinaryOp::mul, e, gxin, total.in(one_per_row()), gxout);
    cu::binary(ctx, cu::BinaryOp::sub, e, gyin, gxin, gxout);
  }

  void cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index,
                     const Tensor& loss, const Tensor& valid, const Tensor& lse) override {
    const int64_t rows = logits.size(0), vocab = logits.size(-1);
    if (rows == 0) return;
    cu::DeviceContext& ctx = context(loss);
    cu::Block ids(ctx.memory(), size_t(rows) * 4);
    narrow_targets(ctx, targets, vocab, ignore_index, ids.as<int32_t>(), valid);
    if (is_f64(logits))
      return cu::composed_cross_entropy(ctx, rows, vocab, cu::DType::f64, logits.raw_data(),
                                        ids.as<int32_t>(), ignore_index, valid.raw_data(),
                                        loss.raw_data(), lse.raw_data());
    check_f32(loss, "cross_entropy");
    check_f32(lse, "cross_entropy");
    const cu::CrossEntropyShape s{rows, vocab, kernel_dtype(logits, "cross_entropy"),
                                  int32_t(ignore_index)};
    cu::cross_entropy(ctx, s, {logits.raw_data(), vocab}, ids.as<int32_t>(),
                      static_cast<float*>(loss.raw_data()), {nullptr, 0}, 1.f,
                      static_cast<float*>(lse.raw_data()));
  }

  // From the forward's lse: f32/bf16 in one kernel that scales each row by its grad_loss; f64
  // through the composition.
  void cross_entropy_backward(const Tensor& logits, const Tensor& targets, int64_t ignore_index,
                              const Tensor& lse, const Tensor& grad_loss,
                              const Tensor& grad_logits) override {
    const int64_t rows = logits.size(0), vocab = logits.size(-1);
    const std::string_view name = "cross_entropy backward";
    if (rows == 0) return;
    cu::DeviceContext& ctx = context(grad_logits);
    cu::Block ids(ctx.memory(), size_t(rows) * 4);
    if (is_f64(logits)) {
      const Tensor valid = Tensor::empty({rows}, DType::f64, logits.device());
      narrow_targets(ctx, targets, vocab, ignore_index, ids.as<int32_t>(), valid);
      return cu::composed_cross_entropy_backward(
          ctx, rows, vocab, cu::DType::f64, logits.raw_data(), ids.as<int32_t>(), ignore_index,
          valid.raw_data(), lse.raw_data(), grad_loss.raw_data(), grad_logits.raw_data());
    }
    check_f32(lse, name);
    check_f32(grad_loss, name);
    narrow_targets(ctx, targets, vocab, ignore_index, ids.as<int32_t>(), Tensor());
    const cu::CrossEntropyShape s{rows, vocab, kernel_dtype(logits, name), int32_t(ignore_index)};
    cu::cross_entropy_backward(ctx, s, {logits.raw_data(), vocab}, ids.as<int32_t>(),
                               static_cast<const float*>(lse.raw_data()),
                               static_cast<const float*>(grad_loss.raw_data()),
                               {grad_logits.raw_data(), vocab});
  }

  // f64 looks rows up with the generic gather and sums the backward with the ordered scatter
  // (indices.h); f32/bf16 use the embedding kernels.
  void embedding(const Tensor& weight, const Tensor& ids, const Tensor& out) override {
    const int64_t vocab = weight.size(0), dim = weight.size(1), n = ids.numel();
    cu::DeviceContext& ctx = context(out);
    cu::Block narrow(ctx.memory(), size_t(n) * 4);
    narrow_ids(ctx, ids, vocab, narrow.as<int32_t>());
    if (is_f64(weight))
      return cu::gather_rows(ctx, n, dim, narrow.as<int32_t>(), 0, kNoSkip, weight.raw_data(),
                             out.raw_data(), cu::DType::f64);
    cu::embedding_forward(ctx, n, dim, kernel_dtype(weight, "embedding"), narrow.as<int32_t>(),
                          {weight.raw_data(), dim}, {out.raw_data(), dim});
  }

  void embedding_backward(const Tensor& ids, const Tensor& grad_out,
                          const Tensor& grad_weight) override {
    const int64_t vocab = grad_weight.size(0), dim = grad_weight.size(1), n = ids.numel();
    cu::DeviceContext& ctx = context(grad_weight);
    cu::Block narrow(ctx.memory(), size_t(n) * 4);
    narrow_ids(ctx, ids, vocab, narrow.as<int32_t>());
    if (is_f64(grad_weight)) {
      fill(grad_weight, 0);
      return cu::scatter_add_rows(ctx, n, dim, narrow.as<int32_t>(), 0, kNoSkip, grad_out.raw_data(),
                                  grad_weight.raw_data(), cu::DType::f64);
    }
    cu::embedding_backward(ctx, n, dim, vocab, narrow.as<int32_t>(),
                           kernel_dtype(grad_out, "embedding backward"),
                           {grad_out.raw_data(), dim},
                           kernel_dtype(grad_weight, "embedding backward"),
                           {grad_weight.raw_data(), dim});
  }

  void dropout(const Tensor& x, double p, uint64_t seed, uint64_t stream,
               const Tensor& out) override {
    cu::dropout(context(out), out.numel(), p, seed, stream, x.raw_data(), out.raw_data(),
                kernel_dtype(out, "dropout"));
  }

  // f64: the rotation composed from elementwise kernels, with the CPU's factor tables.
  void xpos(const Tensor& x, int64_t start, bool inverse, const XposScale& scale,
            const Tensor& out) override {
    if (is_f64(x)) return composed_xpos(x, start, inverse, scale, out);
    const cu::RotaryShape s{x.size(0), x.size(1), x.size(2), x.size(3), kernel_dtype(x, "xpos"),
                            start, scale.sign, scale.origin, float(scale.base)};
    const cu::RotaryStrides in{x.stride(0), x.stride(1), x.stride(2)};
    const cu::RotaryStrides to{out.stride(0), out.stride(1), out.stride(2)};
    if (inverse)
      cu::rotary_backward(context(out), s, x.raw_data(), in, out.raw_data(), to);
    else
      cu::rotary_forward(context(out), s, x.raw_data(), in, out.raw_data(), to);
  }

 private:
  static constexpr int64_t kNoSkip = std::numeric_limits<int64_t>::min();

  // max(x, low) against a one-element device scalar (of x's arithmetic type) broadcast over x.
  void clamp_min(const Tensor& x, double low, const Tensor& out) {
    cu::DeviceContext& ctx = context(out);
    Scratch bound(ctx, 1, math_dtype(x));
    const cu::Strides one{0, 0, 0, 0};
    cu::unary(ctx, cu::UnaryOp::fill, low, {1, 1, 1, 1}, bound.in(one), bound.out(one));
    const cu::Extent e{1, 1, 1, out.numel()};
    cu::binary(ctx, cu::BinaryOp::max, e, in_view(x, row_major(e[3]), "clamp_min"), bound.in(one),
               out_view(out, row_major(e[3]), "clamp_min"));
  }

  void composed_xpos(const Tensor& x, int64_t start, bool inverse, const XposScale& scale,
                     const Tensor& out) {
    cu::DeviceContext& ctx = context(out);
    const int64_t n = x.size(1), dh = x.size(3);
    const XposTable table = xpos_table(n, dh, start, inverse, scale);
    const size_t bytes = table.cos.size() * sizeof(double);
    cu::Block cos_table(ctx.memory(), bytes), sin_table(ctx.memory(), bytes);
    ctx.copy_to_device(cos_table.get(), table.cos.data(), bytes);
    ctx.copy_to_device(sin_table.get(), table.sin.data(), bytes);
    cu::composed_rotary(ctx, {x.size(0), n, x.size(2), dh}, cu::DType::f64, x.raw_data(),
                        {x.stride(0), x.stride(1), x.stride(2), x.stride(3)}, cos_table.get(),
                        sin_table.get(), out.raw_data(),
                        {out.stride(0), out.stride(1), out.stride(2), out.stride(3)});
  }

  // m [batch, R, C] as cuBLASLt takes it: rows contiguous (ld = row stride) or, transposed,
  // columns contiguous; other layouts are copied to contiguous first.
  Tensor as_blas_matrix(const Tensor& m, bool& transposed, int64_t& ld) {
    const int64_t r = m.size(1), c = m.size(2);
    if (m.stride(2) == 1 && (r == 1 || m.stride(1) >= c)) {
      transposed = false, ld = std::max<int64_t>(m.stride(1), c);
      return m;
    }
    if (m.stride(1) == 1 && (c == 1 || m.stride(2) >= r)) {
      transposed = true, ld = std::max<int64_t>(m.stride(2), r);
      return m;
    }
    Tensor dense_copy = Tensor::empty(m.shape(), m.dtype(), m.device());
    copy(m, dense_copy);
    transposed = false, ld = c;
    return dense_copy;
  }

  void narrow_targets(cu::DeviceContext& ctx, const Tensor& targets, int64_t vocab,
                      int64_t ignore_index, int32_t* out, const Tensor& valid) {
    if (ignore_index < std::numeric_limits<int32_t>::min() ||
        ignore_index > std::numeric_limits<int32_t>::max())
      fail<RuntimeError>("cross_entropy: ignore_index {} does not fit the CUDA kernel's int32",
                         ignore_index);
    const int64_t bad = cu::narrow_indices(ctx, targets.numel(), targets.raw_data(),
                                           index_type(targets, "cross_entropy"), vocab,
                                           ignore_index, out,
                                           valid.defined() ? valid.raw_data() : nullptr,
                                           valid.defined() ? kernel_dtype(valid, "cross_entropy")
                                                           : cu::DType::f32);
    if (bad)
      fail<RuntimeError>("cross_entropy: {} targets are outside the vocabulary [0, {})", bad,
                         vocab);
  }

  void narrow_ids(cu::DeviceContext& ctx, const Tensor& ids, int64_t vocab, int32_t* out) {
    const int64_t bad = cu::narrow_indices(ctx, ids.numel(), ids.raw_data(),
                                           index_type(ids, "embedding"), vocab,
                                           kNoSkip, out, nullptr, cu::DType::f32);
    if (bad)
      fail<RuntimeError>("embedding: {} ids are outside the vocabulary [0, {})", bad, vocab);
  }
};

}  // namespace

Backend& cuda_backend() {
  static CudaBackend backend;
  return backend;
}

}  // namespace longnet::ops
