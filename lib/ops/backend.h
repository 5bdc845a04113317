#pragma once
// The op interface a device implements (ggml/MLX style). The differentiable ops in lib/ops
// allocate outputs, record autograd nodes and call the backend of their operands' device; a
// backend only computes. CPU implements it in ops/cpu/; the CUDA backend wraps ops/cuda/ kernels.
//
// Layout contract: outputs are contiguous and preallocated by the caller. Inputs are contiguous
// unless a method says otherwise. "Rows" means the tensor viewed as [numel / last, last].
#include <cstdint>

#include "tensor/tensor.h"

namespace longnet::ops {

enum class BinaryOp { add, sub, mul, div };
// Element-wise maps; `scalar` is the exponent of pow, the addend/factor of the *_scalar forms,
// and the bound of clamp_min.
enum class UnaryOp { neg, exp, log, tanh, gelu_erf, gelu_tanh, sqrt, rsqrt, pow, add_scalar,
                     mul_scalar, clamp_min };
enum class ReduceOp { sum, max, logsumexp };
enum class Distribution { uniform, normal };

class Backend {
 public:
  virtual ~Backend() = default;

  // dst = src converted to dst's dtype; same shape, any strides for both (dst may be a view).
  virtual void copy(const Tensor& src, const Tensor& dst) = 0;
  // Transfers between a contiguous host tensor and a contiguous tensor on this device.
  virtual void copy_from_host(const Tensor& host_src, const Tensor& dst) = 0;
  virtual void copy_to_host(const Tensor& src, const Tensor& host_dst) = 0;
  virtual void fill(const Tensor& dst, double value) = 0;
  // Element i gets the Philox number of (seed, stream, i): the same values on every device.
  // uniform: in [a, b); normal: mean a, standard deviation b.
  virtual void fill_random(const Tensor& dst, Distribution dist, double a, double b,
                           uint64_t seed, uint64_t stream) = 0;

  // a and b are (possibly broadcast, stride-0) views of out's shape.
  virtual void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) = 0;
  virtual void unary(UnaryOp op, const Tensor& x, double scalar, const Tensor& out) = 0;
  // grad_x = grad_y * d op(x) / dx; y = op(x) is given for ops whose derivative reads it (it may
  // be undefined for the others, as x may be for ops that read only y).
  virtual void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, double scalar,
                              const Tensor& grad_y, const Tensor& grad_x) = 0;

  // Reduces `dim` of x into out (x's shape with size 1 at dim). max also writes the i64 index of
  // the first maximum into argmax (same shape as out); argmax is undefined for other ops.
  virtual void reduce(ReduceOp op, const Tensor& x, int64_t dim, const Tensor& out,
                      const Tensor& argmax) = 0;
  // grad_x = 0 except grad_x[argmax] = grad (grad and argmax have size 1 at dim).
  virtual void max_backward(const Tensor& argmax, const Tensor& grad, int64_t dim,
                            const Tensor& grad_x) = 0;

  // out[i] = a[i] @ b[i] for a [batch, M, K], b [batch, K, N], out [batch, M, N]. a and b may
  // have any strides (stride 0 on batch broadcasts); transposed matrices are passed to BLAS as
  // transpose flags, not copied.
  virtual void matmul(const Tensor& a, const Tensor& b, const Tensor& out) = 0;

  // Over the last dim of x [rows, E]: y = (x - mean) * rstd * w + b; mean and rstd are [rows].
  virtual void layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, double eps,
                          const Tensor& y, const Tensor& mean, const Tensor& rstd) = 0;
  virtual void layer_norm_backward(const Tensor& x, const Tensor& w, const Tensor& mean,
                                   const Tensor& rstd, const Tensor& grad_y,
                                   const Tensor& grad_x, const Tensor& grad_w,
                                   const Tensor& grad_b) = 0;

  // Softmax (or log-softmax) over rows of x.
  virtual void softmax(const Tensor& x, bool log, const Tensor& y) = 0;
  virtual void softmax_backward(const Tensor& y, const Tensor& grad_y, bool log,
                                const Tensor& grad_x) = 0;

  // Per row r of logits [rows, V] and integer targets [rows]: loss[r] = lse[r] - logits[r, t],
  // valid[r] = 1; rows whose target is ignore_index get loss 0 and valid 0.
  virtual void cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index,
                             const Tensor& loss, const Tensor& valid, const Tensor& lse) = 0;
  // grad_logits[r] = (softmax(logits[r]) - onehot(t)) * grad_loss[r]; zero for ignored rows.
  virtual void cross_entropy_backward(const Tensor& logits, const Tensor& targets,
                                      int64_t ignore_index, const Tensor& lse,
                                      const Tensor& grad_loss, const Tensor& grad_logits) = 0;

  // out[i] = weight[ids[i]] for weight [V, E], integer ids [n], out [n, E]. Ids out of range
  // throw RuntimeError.
  virtual void embedding(const Tensor& weight, const Tensor& ids, const Tensor& out) = 0;
  // grad_weight [V, E] = sum over i with ids[i] = v of grad_out[i], summed in the order of i
  // (deterministic).
  virtual void embedding_backward(const Tensor& ids, const Tensor& grad_out,
                                  const Tensor& grad_weight) = 0;

  // out = x * keep / (1 - p), keep[i] = (Philox uniform of (seed, stream, i)) >= p.
  virtual void dropout(const Tensor& x, double p, uint64_t seed, uint64_t stream,
                       const Tensor& out) = 0;

  // XPOS rotation of x [B, N, H, Dh]: pair (2j, 2j+1) at position p = start + n turned by
  // angle p * 10000^(-2j/Dh) (by the negative angle when inverse).
  virtual void xpos_rotate(const Tensor& x, int64_t start, bool inverse, const Tensor& out) = 0;
};

// The backend serving `device`. Throws RuntimeError when that device kind is not built in.
Backend& backend_for(Device device);

// The CPU backend (always built) and the CUDA one (a stub that throws in CPU-only builds).
Backend& cpu_backend();
Backend& cuda_backend();

}  // namespace longnet::ops
