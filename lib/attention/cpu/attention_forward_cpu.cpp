// Forward: per query tile, each component (pattern) runs an online softmax over its key blocks,
// then its (O_i, lse_i) is merged into the running (O, lse) of the row with weights
// softmax(lse_i). The running pair lives in the output itself, so memory stays O(N).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "attention/cpu/attention_cpu.h"
#include "attention/cpu/block_scores.h"
#include "attention/cpu/key_plan.h"

namespace longnet::attention {
namespace {

using cpu::BlockScores;
using cpu::QueryGroup;

// Online softmax state of one query group within one component.
template <class T>
struct OnlineSoftmax {
  std::vector<T> acc, max, sum;  // acc: rows x dim, unnormalised

  void reset(int64_t rows, int64_t dim) {
    acc.assign(rows * dim, T(0));
    max.assign(rows, -std::numeric_limits<T>::infinity());
    sum.assign(rows, T(0));
  }
};

template <class T>
class ForwardTile {
 public:
  ForwardTile(const Spec& spec, const Problem& p, Bnhd<const T> q, Bnhd<const T> k,
              Bnhd<const T> v, Bnhd<T> o, T* lse)
      : spec_(spec), p_(p), q_(q), k_(k), v_(v), o_(o), lse_(lse), scores_(spec, p) {}

  void run(int64_t b, int64_t h, int64_t tile) {
    const int64_t begin = p_.q_start + tile * cpu::kQueryTile;
    const int64_t end = std::min(begin + cpu::kQueryTile, p_.q_start + p_.q_len);
    for (int64_t i = begin; i < end; ++i) {
      std::fill_n(out_row(b, h, i), p_.head_dim, T(0));
      out_lse(b, h, i) = -std::numeric_limits<T>::infinity();
    }
    for (const cpu::Component& component : cpu::plan_tile(spec_, p_, h, begin, end)) {
      for (const QueryGroup& group : component) {
        accumulate(b, h, group);
        merge(b, h, group);
      }
    }
  }

 private:
  void accumulate(int64_t b, int64_t h, const QueryGroup& group) {
    const int64_t dim = p_.head_dim;
    state_.reset(static_cast<int64_t>(group.rows.size()), dim);
    cpu::for_each_key_block(spec_, group.runs, [&](const cpu::KeyRun& keys) {
      scores_.compute(q_, k_, b, h, group.rows, keys);
      for (int64_t r = 0; r < scores_.rows(); ++r) {
        T block_max = -std::numeric_limits<T>::infinity();
        for (int64_t t = 0; t < keys.count; ++t) block_max = std::max(block_max, scores_.score(r, t));
        if (block_max == -std::numeric_limits<T>::infinity()) continue;
        const T new_max = std::max(state_.max[r], block_max);
        const T rescale = std::exp(state_.max[r] - new_max);
        T* acc = &state_.acc[r * dim];
        for (int64_t d = 0; d < dim; ++d) acc[d] *= rescale;
        state_.sum[r] *= rescale;
        for (int64_t t = 0; t < keys.count; ++t) {
          const T weight = std::exp(scores_.score(r, t) - new_max);
          if (weight == T(0)) continue;
          const T* vr = v_.row(b, keys.first + t * keys.step - p_.kv_start, h);
          for (int64_t d = 0; d < dim; ++d) acc[d] += weight * vr[d];
          state_.sum[r] += weight;
        }
        state_.max[r] = new_max;
      }
    });
  }

  // (O, lse) <- merge of (O, lse) and this component's (acc / sum, max + log sum).
  void merge(int64_t b, int64_t h, const QueryGroup& group) {
    for (size_t r = 0; r < group.rows.size(); ++r) {
      if (state_.sum[r] == T(0)) continue;
      const T part_lse = state_.max[r] + std::log(state_.sum[r]);
      T& lse = out_lse(b, h, group.rows[r]);
      const T merged = lse == -std::numeric_limits<T>::infinity()
                           ? part_lse
                           : std::max(lse, part_lse) + std::log1p(std::exp(-std::abs(lse - part_lse)));
      const T keep = std::exp(lse - merged);
      const T add = std::exp(part_lse - merged) / state_.sum[r];
      T* out = out_row(b, h, group.rows[r]);
      const T* acc = &state_.acc[r * p_.head_dim];
      for (int64_t d = 0; d < p_.head_dim; ++d) out[d] = keep * out[d] + add * acc[d];
      lse = merged;
    }
  }

  T* out_row(int64_t b, int64_t h, int64_t i) { return o_.row(b, i - p_.q_start, h); }
  T& out_lse(int64_t b, int64_t h, int64_t i) {
    return lse_[(b * p_.heads + h) * p_.q_len + (i - p_.q_start)];
  }

  const Spec& spec_;
  const Problem& p_;
  Bnhd<const T> q_, k_, v_;
  Bnhd<T> o_;
  T* lse_;
  BlockScores<T> scores_;
  OnlineSoftmax<T> state_;
};

}  // namespace

template <class T>
void attention_forward_cpu(const Spec& spec, const Problem& p, Bnhd<const T> q, Bnhd<const T> k,
                           Bnhd<const T> v, Bnhd<T> o, T* lse) {
  validate(spec, p);
  const int64_t tiles = (p.q_len + cpu::kQueryTile - 1) / cpu::kQueryTile;
#pragma omp parallel
  {
    ForwardTile<T> work(spec, p, q, k, v, o, lse);
#pragma omp for collapse(3) schedule(dynamic)
    for (int64_t b = 0; b < p.batch; ++b)
      for (int64_t h = 0; h < p.heads; ++h)
        for (int64_t t = 0; t < tiles; ++t) work.run(b, h, t);
  }
}

template void attention_forward_cpu<float>(const Spec&, const Problem&, Bnhd<const float>,
                                           Bnhd<const float>, Bnhd<const float>, Bnhd<float>, float*);
template void attention_forward_cpu<double>(const Spec&, const Problem&, Bnhd<const double>,
                                            Bnhd<const double>, Bnhd<const double>, Bnhd<double>,
                                            double*);

}  // namespace longnet::attention
