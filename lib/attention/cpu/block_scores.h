#pragma once
// Scores of one query group against one block of keys, with XPOS applied from the block's first
// key position c as the local origin: q at i is scaled by z^((i-c)/B), k at j by z^(-(j-c)/B),
// so their product carries z^((i-j)/B) and neither factor grows with the sequence length.
#include <cmath>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "attention/cpu/key_plan.h"
#include "attention/spec.h"

namespace longnet::attention::cpu {

// a . b over n values; the simd reduction lets the compiler vectorise the sum.
template <class T>
T dot(const T* a, const T* b, int64_t n) {
  T sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t d = 0; d < n; ++d) sum += a[d] * b[d];
  return sum;
}

template <class T>
class BlockScores {
 public:
  BlockScores(const Spec& spec, const Problem& p)
      : causal_(spec.causal), dim_(p.head_dim), q_start_(p.q_start), kv_start_(p.kv_start),
        scale_(1.0 / std::sqrt(static_cast<double>(p.head_dim))) {
    if (spec.xpos_scale_base > 0) {
      for (int64_t pair = 0; pair < dim_ / 2; ++pair) {
        log_decay_.push_back(std::log(xpos_decay_base(pair, dim_)) / spec.xpos_scale_base);
      }
    }
  }

  // Scores s[r][t] = (q_factor ⊙ q_r) . (k_factor ⊙ k_t), -inf where causality drops the key.
  void compute(Bnhd<const T> q, Bnhd<const T> k, int64_t b, int64_t h,
               const std::vector<int64_t>& rows, const KeyRun& keys) {
    rows_ = static_cast<int64_t>(rows.size());
    keys_ = keys.count;
    q_factor_.resize(rows_ * dim_);
    q_scaled_.resize(rows_ * dim_);
    k_scaled_.resize(keys_ * dim_);
    scores_.resize(rows_ * keys_);
    const int64_t origin = keys.first;
    for (int64_t r = 0; r < rows_; ++r) {
      const T* qr = q.row(b, rows[r] - q_start_, h);
      fill_factors(rows[r] - origin, &q_factor_[r * dim_], scale_);
      for (int64_t d = 0; d < dim_; ++d) q_scaled_[r * dim_ + d] = q_factor_[r * dim_ + d] * qr[d];
    }
    // The key factors depend only on t * step, so blocks of one run share them.
    if (keys.step != k_factor_step_ || keys_ > k_factor_keys_) {
      k_factor_.resize(keys_ * dim_);
      for (int64_t t = 0; t < keys_; ++t) fill_factors(-t * keys.step, &k_factor_[t * dim_], 1.0);
      k_factor_step_ = keys.step;
      k_factor_keys_ = keys_;
    }
    for (int64_t t = 0; t < keys_; ++t) {
      const T* kr = k.row(b, keys.first + t * keys.step - kv_start_, h);
      for (int64_t d = 0; d < dim_; ++d) k_scaled_[t * dim_ + d] = k_factor_[t * dim_ + d] * kr[d];
    }
    for (int64_t r = 0; r < rows_; ++r) {
      const T* qs = &q_scaled_[r * dim_];
      for (int64_t t = 0; t < keys_; ++t) {
        if (causal_ && keys.first + t * keys.step > rows[r]) {
          scores_[r * keys_ + t] = -std::numeric_limits<T>::infinity();
          continue;
        }
        scores_[r * keys_ + t] = dot(qs, &k_scaled_[t * dim_], dim_);
      }
    }
  }

  int64_t rows() const { return rows_; }
  int64_t keys() const { return keys_; }
  T score(int64_t r, int64_t t) const { return scores_[r * keys_ + t]; }
  // ds/dq_r = q_factor_r ⊙ k_scaled_t and ds/dk_t = k_factor_t ⊙ q_scaled_r (per dim).
  const T* q_factor(int64_t r) const { return &q_factor_[r * dim_]; }
  const T* q_scaled(int64_t r) const { return &q_scaled_[r * dim_]; }
  const T* k_factor(int64_t t) const { return &k_factor_[t * dim_]; }
  const T* k_scaled(int64_t t) const { return &k_scaled_[t * dim_]; }

 private:
  // factor[d] = multiplier * z_(d/2)^(distance/B), computed in double.
  void fill_factors(int64_t distance, T* factor, double multiplier) const {
    if (log_decay_.empty()) {
      std::fill_n(factor, dim_, static_cast<T>(multiplier));
      return;
    }
    for (int64_t pair = 0; pair < dim_ / 2; ++pair) {
      const double decay = std::exp(static_cast<double>(distance) * log_decay_[pair]);
      factor[2 * pair] = factor[2 * pair + 1] = static_cast<T>(multiplier * decay);
    }
  }

  bool causal_;
  int64_t dim_, q_start_, kv_start_;
  double scale_;
  std::vector<double> log_decay_;  // per dim pair: ln(z) / B; empty without XPOS
  int64_t rows_ = 0, keys_ = 0;
  int64_t k_factor_step_ = 0, k_factor_keys_ = 0;  // what k_factor_ was computed for
  std::vector<T> q_factor_, q_scaled_, k_factor_, k_scaled_, scores_;
};

// Calls f(block) for each block of the runs, in blocks of at most key_block_size(step) keys.
template <class F>
void for_each_key_block(const Spec& spec, const std::vector<KeyRun>& runs, F f) {
  for (const KeyRun& run : runs) {
    const int64_t size = key_block_size(spec, run.step);
    for (int64_t t = 0; t < run.count; t += size) {
      f(KeyRun{run.first + t * run.step, run.step, std::min(size, run.count - t)});
    }
  }
}

}  // namespace longnet::attention::cpu
