// Cross-entropy per row with an ignore index.
#include <cmath>
#include <limits>

#include "ops/cpu/cpu_backend.h"
#include "ops/cpu/loops.h"

namespace longnet::ops::cpu {
namespace {

// Reads target r as int64 and checks it against the vocabulary.
template <class I>
int64_t target_at(const I* targets, int64_t r, int64_t vocab, int64_t ignore_index) {
  const int64_t t = int64_t(targets[r]);
  if (t != ignore_index && (t < 0 || t >= vocab))
    fail<RuntimeError>("cross_entropy: target {} at row {} is outside the vocabulary [0, {})", t,
                       r, vocab);
  return t;
}

}  // namespace

void CpuBackend::cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index,
                               const Tensor& loss, const Tensor& valid, const Tensor& lse) {
  visit_floating(logits.dtype(), "cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    visit_index(targets.dtype(), "cross_entropy targets", [&](auto itag) {
      using I = decltype(itag);
      const int64_t v = logits.size(-1), rows = logits.size(0);
      const T* px = logits.data<T>();
      const I* pt = targets.data<I>();
      T *pl = loss.data<T>(), *pv = valid.data<T>(), *plse = lse.data<T>();
      // Range errors are found first, on one thread, so the parallel loop cannot throw.
      for (int64_t r = 0; r < rows; ++r) target_at(pt, r, v, ignore_index);
      parallel_for(rows, v, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const T* row = px + r * v;
          double best = -std::numeric_limits<double>::infinity(), sum = 0;
          for (int64_t j = 0; j < v; ++j) best = std::max(best, double(row[j]));
          for (int64_t j = 0; j < v; ++j) sum += std::exp(double(row[j]) - best);
          plse[r] = T(best + std::log(sum));
          const int64_t t = int64_t(pt[r]);
          const bool ignored = t == ignore_index;
          pl[r] = ignored ? T(0) : plse[r] - row[t];
          pv[r] = ignored ? T(0) : T(1);
        }
      });
    });
  });
}

void CpuBackend::cross_entropy_backward(const Tensor& logits, const Tensor& targets,
                                        int64_t ignore_index, const Tensor& lse,
                                        const Tensor& grad_loss, const Tensor& grad_logits) {
  visit_floating(logits.dtype(), "cross_entropy backward", [&](auto tag) {
    using T = decltype(tag);
    visit_index(targets.dtype(), "cross_entropy targets", [&](auto itag) {
      using I = decltype(itag);
      const int64_t v = logits.size(-1), rows = logits.size(0);
      const T *px = logits.data<T>(), *plse = lse.data<T>(), *pg = grad_loss.data<T>();
      const I* pt = targets.data<I>();
      T* gx = grad_logits.data<T>();
      parallel_for(rows, v, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const int64_t t = int64_t(pt[r]);
          const T g = t == ignore_index ? T(0) : pg[r];
          const T* row = px + r * v;
          T* d = gx + r * v;
          for (int64_t j = 0; j < v; ++j) d[j] = std::exp(row[j] - plse[r]) * g;
          if (t != ignore_index) d[t] -= g;
        }
      });
    });
  });
}

}  // namespace longnet::ops::cpu
