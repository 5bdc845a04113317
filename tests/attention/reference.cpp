#include "attention/reference.h"

#include <cmath>
#include <limits>
#include <vector>

namespace longnet::attention::reference {
namespace {

// The factor that the product of dims d of query position i and key position j carries.
double decay(const Spec& spec, const Problem& p, int64_t d, int64_t i, int64_t j) {
  if (spec.xpos_scale_base <= 0) return 1.0;
  return std::pow(xpos_decay_base(d / 2, p.head_dim),
                  static_cast<double>(i - j) / spec.xpos_scale_base);
}

// One query row: the keys (window indices) it is given, their multiplicity and score, and its lse.
struct Row {
  std::vector<int64_t> keys;
  std::vector<double> weight, score;
  double lse = -std::numeric_limits<double>::infinity();
};

Row score_row(const Spec& spec, const Problem& p, Bnhd<const double> q, Bnhd<const double> k,
              int64_t b, int64_t h, int64_t qi) {
  Row r;
  const int64_t i = p.q_start + qi;
  const double scale = 1.0 / std::sqrt(static_cast<double>(p.head_dim));
  const double* qr = q.row(b, qi, h);
  for (int64_t kj = 0; kj < p.kv_len; ++kj) {
    const int64_t j = p.kv_start + kj;
    const int m = key_multiplicity(spec, p.seq_len, p.heads, h, i, j);
    if (m == 0) continue;
    const double* kr = k.row(b, kj, h);
    double s = 0;
    for (int64_t d = 0; d < p.head_dim; ++d) s += qr[d] * kr[d] * decay(spec, p, d, i, j);
    r.keys.push_back(kj);
    r.weight.push_back(m);
    r.score.push_back(s * scale);
  }
  if (r.keys.empty()) return r;
  double max = r.score[0];
  for (double s : r.score) max = std::max(max, s);
  double sum = 0;
  for (size_t t = 0; t < r.keys.size(); ++t) sum += r.weight[t] * std::exp(r.score[t] - max);
  r.lse = max + std::log(sum);
  return r;
}

// P of key t of the row: its share of the softmax, multiplicity included.
double probability(const Row& r, size_t t) { return r.weight[t] * std::exp(r.score[t] - r.lse); }

}  // namespace

void forward(const Spec& spec, const Problem& p, Bnhd<const double> q, Bnhd<const double> k,
             Bnhd<const double> v, Bnhd<double> o, double* lse) {
  validate(spec, p);
  for (int64_t b = 0; b < p.batch; ++b) {
    for (int64_t h = 0; h < p.heads; ++h) {
      for (int64_t qi = 0; qi < p.q_len; ++qi) {
        const Row r = score_row(spec, p, q, k, b, h, qi);
        double* orow = o.row(b, qi, h);
        for (int64_t d = 0; d < p.head_dim; ++d) orow[d] = 0;
        for (size_t t = 0; t < r.keys.size(); ++t) {
          const double* vr = v.row(b, r.keys[t], h);
          const double pr = probability(r, t);
          for (int64_t d = 0; d < p.head_dim; ++d) orow[d] += pr * vr[d];
        }
        lse[(b * p.heads + h) * p.q_len + qi] = r.lse;
      }
    }
  }
}

void backward(const Spec& spec, const Problem& p, Bnhd<const double> q, Bnhd<const double> k,
              Bnhd<const double> v, Bnhd<const double> d_o, Bnhd<double> dq, Bnhd<double> dk,
              Bnhd<double> dv) {
  validate(spec, p);
  const double scale = 1.0 / std::sqrt(static_cast<double>(p.head_dim));
  const int64_t dh = p.head_dim;
  for (int64_t b = 0; b < p.batch; ++b) {
    for (int64_t h = 0; h < p.heads; ++h) {
      for (int64_t qi = 0; qi < p.q_len; ++qi) {
        for (int64_t d = 0; d < dh; ++d) dq.row(b, qi, h)[d] = 0;
      }
      for (int64_t kj = 0; kj < p.kv_len; ++kj) {
        for (int64_t d = 0; d < dh; ++d) dk.row(b, kj, h)[d] = dv.row(b, kj, h)[d] = 0;
      }
      for (int64_t qi = 0; qi < p.q_len; ++qi) {
        const int64_t i = p.q_start + qi;
        const Row r = score_row(spec, p, q, k, b, h, qi);
        const double* qr = q.row(b, qi, h);
        const double* dor = d_o.row(b, qi, h);
        // dP_t = dO . v_t; the softmax backward needs D = sum_t P_t dP_t (= dO . O).
        std::vector<double> dp(r.keys.size());
        double dsum = 0;
        for (size_t t = 0; t < r.keys.size(); ++t) {
          const double* vr = v.row(b, r.keys[t], h);
          for (int64_t d = 0; d < dh; ++d) dp[t] += dor[d] * vr[d];
          dsum += probability(r, t) * dp[t];
        }
        double* dqr = dq.row(b, qi, h);
        for (size_t t = 0; t < r.keys.size(); ++t) {
          const int64_t j = p.kv_start + r.keys[t];
          const double pr = probability(r, t);
          const double ds = pr * (dp[t] - dsum) * scale;
          const double* kr = k.row(b, r.keys[t], h);
          double* dkr = dk.row(b, r.keys[t], h);
          double* dvr = dv.row(b, r.keys[t], h);
          for (int64_t d = 0; d < dh; ++d) {
            const double f = decay(spec, p, d, i, j);
            dqr[d] += ds * f * kr[d];
            dkr[d] += ds * f * qr[d];
            dvr[d] += pr * dor[d];
          }
        }
      }
    }
  }
}

}  // namespace longnet::attention::reference
