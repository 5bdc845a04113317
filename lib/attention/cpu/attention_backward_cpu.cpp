// Backward, FlashAttention-style, given the forward's merged O and lse: per key block of every
// component P = exp(s - lse), dP = dO . v, dS = P (dP - D) with D = rowsum(dO * O). Using the one
// merged lse in every component gives the exact gradient of the multiset softmax, mixing
// weights included. dQ rows belong to one query tile; dK and dV rows are reached from many
// tiles, so each thread adds into its own kv-length buffers, summed once per (batch, head).
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

template <class T>
struct Inputs {
  Bnhd<const T> q, k, v, o, d_o;
  const T* lse;
};

template <class T>
class BackwardTile {
 public:
  BackwardTile(const Spec& spec, const Problem& p, const Inputs<T>& in)
      : spec_(spec), p_(p), in_(in), scores_(spec, p),
        dk_(p.kv_len * p.head_dim), dv_(p.kv_len * p.head_dim) {}

  void clear_key_grads() {
    std::fill(dk_.begin(), dk_.end(), T(0));
    std::fill(dv_.begin(), dv_.end(), T(0));
  }
  const std::vector<T>& dk() const { return dk_; }
  const std::vector<T>& dv() const { return dv_; }

  // Adds this tile's share to the thread's dK/dV and writes (or adds) its dQ rows.
  void run(int64_t b, int64_t h, int64_t tile, Bnhd<T> dq, bool accumulate) {
    const int64_t dim = p_.head_dim;
    const int64_t begin = p_.q_start + tile * cpu::kQueryTile;
    const int64_t end = std::min(begin + cpu::kQueryTile, p_.q_start + p_.q_len);
    dq_.assign((end - begin) * dim, T(0));
    for (const cpu::Component& component : cpu::plan_tile(spec_, p_, h, begin, end)) {
      for (const QueryGroup& group : component) add_group(b, h, group, begin);
    }
    for (int64_t i = begin; i < end; ++i) {
      T* out = dq.row(b, i - p_.q_start, h);
      const T* local = &dq_[(i - begin) * dim];
      for (int64_t d = 0; d < dim; ++d) out[d] = accumulate ? out[d] + local[d] : local[d];
    }
  }

 private:
  void add_group(int64_t b, int64_t h, const QueryGroup& group, int64_t tile_begin) {
    const int64_t dim = p_.head_dim;
    const int64_t rows = static_cast<int64_t>(group.rows.size());
    // D = dO . O and lse per row; rows with lse = -inf have no keys and no gradient.
    lse_.resize(rows);
    delta_.resize(rows);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t qi = group.rows[r] - p_.q_start;
      lse_[r] = in_.lse[(b * p_.heads + h) * p_.q_len + qi];
      const T* o = in_.o.row(b, qi, h);
      const T* d_o = in_.d_o.row(b, qi, h);
      delta_[r] = cpu::dot(d_o, o, dim);
    }
    cpu::for_each_key_block(spec_, group.runs, [&](const cpu::KeyRun& keys) {
      scores_.compute(in_.q, in_.k, b, h, group.rows, keys);
      for (int64_t r = 0; r < rows; ++r) {
        if (lse_[r] == -std::numeric_limits<T>::infinity()) continue;
        const int64_t qi = group.rows[r] - p_.q_start;
        const T* d_o = in_.d_o.row(b, qi, h);
        const T* qs = scores_.q_scaled(r);
        row_grad_.assign(dim, T(0));
        for (int64_t t = 0; t < keys.count; ++t) {
          const T prob = std::exp(scores_.score(r, t) - lse_[r]);
          if (prob == T(0)) continue;
          const int64_t kj = keys.first + t * keys.step - p_.kv_start;
          const T* v = in_.v.row(b, kj, h);
          const T ds = prob * (cpu::dot(d_o, v, dim) - delta_[r]);
          const T* ks = scores_.k_scaled(t);
          const T* kf = scores_.k_factor(t);
          T* dk = &dk_[kj * dim];
          T* dv = &dv_[kj * dim];
          for (int64_t d = 0; d < dim; ++d) {
            row_grad_[d] += ds * ks[d];
            dk[d] += ds * kf[d] * qs[d];
            dv[d] += prob * d_o[d];
          }
        }
        const T* qf = scores_.q_factor(r);
        T* dq = &dq_[(group.rows[r] - tile_begin) * dim];
        for (int64_t d = 0; d < dim; ++d) dq[d] += qf[d] * row_grad_[d];
      }
    });
  }

  const Spec& spec_;
  const Problem& p_;
  const Inputs<T>& in_;
  BlockScores<T> scores_;
  std::vector<T> dk_, dv_;              // this thread's dK, dV for the current (batch, head)
  std::vector<T> dq_;                   // the tile's dQ rows
  std::vector<T> lse_, delta_, row_grad_;
};

}  // namespace

template <class T>
void attention_backward_cpu(const Spec& spec, const Problem& p, Bnhd<const T> q, Bnhd<const T> k,
                            Bnhd<const T> v, Bnhd<const T> o, const T* lse, Bnhd<const T> d_o,
                            Bnhd<T> dq, Bnhd<T> dk, Bnhd<T> dv, bool accumulate) {
  validate(spec, p);
  const Inputs<T> in{q, k, v, o, d_o, lse};
  const int64_t tiles = (p.q_len + cpu::kQueryTile - 1) / cpu::kQueryTile;
  const int64_t dim = p.head_dim;
  std::vector<BackwardTile<T>*> workers(omp_get_max_threads());
#pragma omp parallel
  {
    BackwardTile<T> work(spec, p, in);
    workers[omp_get_thread_num()] = &work;
    const int threads = omp_get_num_threads();
    for (int64_t b = 0; b < p.batch; ++b) {
      for (int64_t h = 0; h < p.heads; ++h) {
        work.clear_key_grads();
#pragma omp for schedule(dynamic)
        for (int64_t t = 0; t < tiles; ++t) work.run(b, h, t, dq, accumulate);
        // The implicit barrier above makes every thread's buffers complete.
#pragma omp for
        for (int64_t kj = 0; kj < p.kv_len; ++kj) {
          T* dk_row = dk.row(b, kj, h);
          T* dv_row = dv.row(b, kj, h);
          for (int64_t d = 0; d < dim; ++d) {
            T sum_k = accumulate ? dk_row[d] : T(0), sum_v = accumulate ? dv_row[d] : T(0);
            for (int i = 0; i < threads; ++i) {
              sum_k += workers[i]->dk()[kj * dim + d];
              sum_v += workers[i]->dv()[kj * dim + d];
            }
            dk_row[d] = sum_k;
            dv_row[d] = sum_v;
          }
        }
      }
    }
  }
}

template void attention_backward_cpu<float>(const Spec&, const Problem&, Bnhd<const float>,
                                            Bnhd<const float>, Bnhd<const float>, Bnhd<const float>,
                                            const float*, Bnhd<const float>, Bnhd<float>,
                                            Bnhd<float>, Bnhd<float>, bool);
template void attention_backward_cpu<double>(const Spec&, const Problem&, Bnhd<const double>,
                                             Bnhd<const double>, Bnhd<const double>,
                                             Bnhd<const double>, const double*, Bnhd<const double>,
                                             Bnhd<double>, Bnhd<double>, Bnhd<double>, bool);

}  // namespace longnet::attention
