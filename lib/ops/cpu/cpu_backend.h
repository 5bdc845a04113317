#pragma once
// The CPU implementation of the op interface. Each family of methods lives in its own file in
// this folder (copy.cpp, elementwise.cpp, reduce.cpp, matmul.cpp, ...).
#include "ops/backend.h"

namespace longnet::ops::cpu {

class CpuBackend final : public Backend {
 public:
  void copy(const Tensor& src, const Tensor& dst) override;
  void copy_from_host(const Tensor& host_src, const Tensor& dst) override;
  void copy_to_host(const Tensor& src, const Tensor& host_dst) override;
  void fill(const Tensor& dst, double value) override;
  void fill_random(const Tensor& dst, Distribution dist, double a, double b, uint64_t seed,
                   uint64_t stream) override;

  void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) override;
  void unary(UnaryOp op, const Tensor& x, double scalar, const Tensor& out) override;
  void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, double scalar,
                      const Tensor& grad_y, const Tensor& grad_x) override;

  void reduce(ReduceOp op, const Tensor& x, int64_t dim, const Tensor& out,
              const Tensor& argmax) override;
  void max_backward(const Tensor& argmax, const Tensor& grad, int64_t dim,
                    const Tensor& grad_x) override;

  void matmul(const Tensor& a, const Tensor& b, const Tensor& out) override;

  void layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, double eps, const Tensor& y,
                  const Tensor& mean, const Tensor& rstd) override;
  void layer_norm_backward(const Tensor& x, const Tensor& w, const Tensor& mean,
                           const Tensor& rstd, const Tensor& grad_y, const Tensor& grad_x,
                           const Tensor& grad_w, const Tensor& grad_b) override;

  void softmax(const Tensor& x, bool log, const Tensor& y) override;
  void softmax_backward(const Tensor& y, const Tensor& grad_y, bool log,
                        const Tensor& grad_x) override;

  void cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index,
                     const Tensor& loss, const Tensor& valid, const Tensor& lse) override;
  void cross_entropy_backward(const Tensor& logits, const Tensor& targets, int64_t ignore_index,
                              const Tensor& lse, const Tensor& grad_loss,
                              const Tensor& grad_logits) override;

  void embedding(const Tensor& weight, const Tensor& ids, const Tensor& out) override;
  void embedding_backward(const Tensor& ids, const Tensor& grad_out,
                          const Tensor& grad_weight) override;

  void dropout(const Tensor& x, double p, uint64_t seed, uint64_t stream,
               const Tensor& out) override;

  void xpos_rotate(const Tensor& x, int64_t start, bool inverse, const Tensor& out) override;
};

}  // namespace longnet::ops::cpu
