#include "attention/cudnn/sdpa_graphs.h"

#include <limits>
#include <optional>

namespace longnet::attention::cudnn_sdpa {

using cudnn_backend::Dims;
using cudnn_backend::GraphBuilder;
using cudnn_backend::Tensor;

float masked_score() {
  return cudnnGetVersion() >= 91000 ? -std::numeric_limits<float>::infinity()
                                    : std::numeric_limits<float>::lowest();
}

bool backward_needs_padding_mask(const CudnnSdpaProblem& problem) {
  return cudnnGetVersion() < 91600 && problem.seq_kv % 128 != 0;
}

namespace {

constexpr cudnnDataType_t bf16 = CUDNN_DATA_BFLOAT16;
constexpr cudnnDataType_t fp32 = CUDNN_DATA_FLOAT;

// [batch, head, position, dim] view of a [batch, position, head, dim] tensor.
Dims rows(const BnhdStrides& s) { return {s.batch, s.head, s.position, 1}; }
// The same tensor as [batch, head, dim, position].
Dims columns(const BnhdStrides& s) { return {s.batch, s.head, 1, s.position}; }
// A gradient's layout: its own when given, else its tensor's.
Dims gradient_rows(const BnhdStrides& gradient, const BnhdStrides& tensor) {
  const bool given = gradient.batch != 0 || gradient.position != 0 || gradient.head != 0;
  return rows(given ? gradient : tensor);
}

struct Shapes {
  int64_t b, h, sq, skv, d;
  Dims scores() const { return {b, h, sq, skv}; }
  Dims scores_transposed() const { return {b, h, skv, sq}; }
  Dims per_query() const { return {b, h, sq, 1}; }
  Dims per_query_strides() const { return {h * sq, sq, 1, 1}; }
};

Shapes shapes_of(const CudnnSdpaProblem& p) {
  return {p.batch, p.heads, p.seq_q, p.seq_kv, p.head_dim};
}

// Keeps scores of keys j <= query i.
Tensor causal_mask(GraphBuilder& g, const Shapes& s, const Tensor& scores, const Tensor& masked) {
  auto row = g.pointwise(CUDNN_POINTWISE_GEN_INDEX, {scores}, g.intermediate(s.scores(), CUDNN_DATA_INT32),
                         {.axis = 2});
  auto col = g.pointwise(CUDNN_POINTWISE_GEN_INDEX, {scores}, g.intermediate(s.scores(), CUDNN_DATA_INT32),
                         {.axis = 3});
  auto keep = g.pointwise(CUDNN_POINTWISE_CMP_GE, {row, col},
                          g.intermediate(s.scores(), CUDNN_DATA_BOOLEAN), {.compute = CUDNN_DATA_BOOLEAN});
  return g.pointwise(CUDNN_POINTWISE_BINARY_SELECT, {scores, masked, keep}, g.intermediate(s.scores()));
}

// Keeps scores of rows < seq_len_q and columns < seq_len_kv.
Tensor padding_mask(GraphBuilder& g, const Shapes& s, const Tensor& scores, const Tensor& masked,
                    const Tensor& seq_len_q, const Tensor& seq_len_kv) {
  const auto index = [&](int64_t axis) {
    return g.pointwise(CUDNN_POINTWISE_GEN_INDEX, {scores}, g.intermediate(s.scores(), CUDNN_DATA_INT32),
                       {.compute = CUDNN_DATA_INT32, .axis = axis});
  };
  const auto below = [&](const Tensor& idx, const Tensor& bound) {
    return g.pointwise(CUDNN_POINTWISE_CMP_LT, {idx, bound}, g.intermediate(s.scores(), CUDNN_DATA_BOOLEAN),
                       {.compute = CUDNN_DATA_BOOLEAN});
  };
  auto row_ok = below(index(2), seq_len_q);
  auto col_ok = below(index(3), seq_len_kv);
  auto keep = g.pointwise(CUDNN_POINTWISE_LOGICAL_AND, {row_ok, col_ok},
                          g.intermediate(s.scores(), CUDNN_DATA_BOOLEAN), {.compute = CUDNN_DATA_BOOLEAN});
  return g.pointwise(CUDNN_POINTWISE_BINARY_SELECT, {scores, masked, keep}, g.intermediate(s.scores()));
}

// The tensors both directions read: Q and O by rows, K transposed, stats and the scale.
struct Common {
  Tensor q, k_t, o, stats, scale;
};

Common common_tensors(GraphBuilder& g, const Shapes& s, const CudnnSdpaProblem& p) {
  return {g.tensor(uid_q, bf16, {s.b, s.h, s.sq, s.d}, rows(p.q)),
          g.tensor(uid_k, bf16, {s.b, s.h, s.d, s.skv}, columns(p.k)),
          g.tensor(uid_o, bf16, {s.b, s.h, s.sq, s.d}, rows(p.o)),
          g.tensor(uid_stats, fp32, s.per_query(), s.per_query_strides()), g.scalar(uid_scale)};
}

}  // namespace

cudnn_backend::Plan forward_plan(cudnnHandle_t handle, const CudnnSdpaProblem& p) {
  const Shapes s = shapes_of(p);
  GraphBuilder g;
  const auto [q, k_t, o, stats, scale] = common_tensors(g, s, p);
  auto v = g.tensor(uid_v, bf16, {s.b, s.h, s.skv, s.d}, rows(p.v));

  auto scores = g.matmul(q, k_t, g.intermediate(s.scores()));
  scores = g.pointwise(CUDNN_POINTWISE_MUL, {scores, scale}, g.intermediate(s.scores()));
  if (p.causal) scores = causal_mask(g, s, scores, g.scalar(uid_masked));

  auto max = g.reduction(CUDNN_REDUCE_TENSOR_MAX, scores, g.intermediate(s.per_query()));
  auto shifted = g.pointwise(CUDNN_POINTWISE_SUB, {scores, max}, g.intermediate(s.scores()));
  auto e = g.pointwise(CUDNN_POINTWISE_EXP, {shifted}, g.intermediate(s.scores()));
  auto sum = g.reduction(CUDNN_REDUCE_TENSOR_ADD, e, g.intermediate(s.per_query()));
  auto log_sum = g.pointwise(CUDNN_POINTWISE_LOG, {sum}, g.intermediate(s.per_query()));
  g.pointwise(CUDNN_POINTWISE_ADD, {max, log_sum}, stats);
  auto probs = g.pointwise(CUDNN_POINTWISE_DIV, {e, sum}, g.intermediate(s.scores(), bf16));
  g.matmul(probs, v, o);
  return g.build(handle, "SDPA forward");
}

cudnn_backend::Plan backward_plan(cudnnHandle_t handle, const CudnnSdpaProblem& p) {
  const Shapes s = shapes_of(p);
  GraphBuilder g;
  const auto [q, k_t, o, stats, scale] = common_tensors(g, s, p);
  auto v_t = g.tensor(uid_v, bf16, {s.b, s.h, s.d, s.skv}, columns(p.v));
  auto d_o = g.tensor(uid_d_o, bf16, {s.b, s.h, s.sq, s.d}, gradient_rows(p.d_o, p.o));
  auto dq = g.tensor(uid_dq, bf16, {s.b, s.h, s.sq, s.d}, gradient_rows(p.dq, p.q));
  auto dk = g.tensor(uid_dk, bf16, {s.b, s.h, s.skv, s.d}, gradient_rows(p.dk, p.k));
  auto dv = g.tensor(uid_dv, bf16, {s.b, s.h, s.skv, s.d}, gradient_rows(p.dv, p.v));
  auto one = g.scalar(uid_one);

  std::optional<Tensor> seq_len_q, seq_len_kv;
  cudnn_backend::MatmulOverrides qk, kq;  // (M, N) = (seq_q, seq_kv), and transposed
  if (backward_needs_padding_mask(p)) {
    seq_len_q = g.tensor(uid_seq_len_q, CUDNN_DATA_INT32, {s.b, 1, 1, 1}, {1, 1, 1, 1});
    seq_len_kv = g.tensor(uid_seq_len_kv, CUDNN_DATA_INT32, {s.b, 1, 1, 1}, {1, 1, 1, 1});
    qk = {.m = &*seq_len_q, .n = &*seq_len_kv};
    kq = {.m = &*seq_len_kv, .k = &*seq_len_q};
  }
  const cudnn_backend::MatmulOverrides qk_reduce{.m = qk.m, .k = qk.n};  // dQ: M = seq_q, K = seq_kv

  // softmax_sum = rowsum(dO * O), the D of the flash attention backward.
  auto d_o_o = g.pointwise(CUDNN_POINTWISE_MUL, {d_o, o},
                           g.intermediate({s.b, s.h, s.sq, s.d}, {s.h * s.sq * s.d, s.sq * s.d, s.h * s.d, 1}, fp32));
  auto row_sum = g.reduction(CUDNN_REDUCE_TENSOR_ADD, d_o_o,
                             g.intermediate(s.per_query(), s.per_query_strides(), fp32));
  auto softmax_sum = g.pointwise(CUDNN_POINTWISE_MUL, {row_sum, one},
                                 g.tensor(uid_softmax_sum, fp32, s.per_query(), s.per_query_strides()));

  // P = exp(S - stats), recomputed.
  auto scores = g.matmul(q, k_t, g.intermediate(s.scores()), qk);
  scores = g.pointwise(CUDNN_POINTWISE_MUL, {scores, scale}, g.intermediate(s.scores()));
  scores = g.pointwise(CUDNN_POINTWISE_SUB, {scores, stats}, g.intermediate(s.scores()));
  if (seq_len_q || p.causal) {
    auto masked = g.scalar(uid_masked);
    if (seq_len_q) scores = padding_mask(g, s, scores, masked, *seq_len_q, *seq_len_kv);
    if (p.causal) scores = causal_mask(g, s, scores, masked);
  }
  auto probs = g.pointwise(CUDNN_POINTWISE_EXP, {scores}, g.intermediate(s.scores()));

  const Dims transposed_strides{s.h * s.sq * s.skv, s.sq * s.skv, 1, s.skv};
  auto probs_t = g.reshape(probs, g.intermediate(s.scores_transposed(), transposed_strides, bf16));
  g.matmul(probs_t, d_o, dv, kq);

  auto dp = g.matmul(d_o, v_t, g.intermediate(s.scores()), qk);
  auto ds = g.pointwise(CUDNN_POINTWISE_SUB, {dp, softmax_sum}, g.intermediate(s.scores()));
  ds = g.pointwise(CUDNN_POINTWISE_MUL, {ds, probs}, g.intermediate(s.scores()));
  ds = g.pointwise(CUDNN_POINTWISE_MUL, {ds, scale}, g.intermediate(s.scores()));

  auto ds_t = g.reshape(ds, g.intermediate(s.scores_transposed(), transposed_strides, bf16));
  g.matmul(ds_t, q, dk, kq);

  auto k = g.reshape(k_t, g.intermediate({s.b, s.h, s.skv, s.d}, rows(p.k), fp32));
  auto dq_accum = g.tensor(uid_dq_accum, fp32, {s.b, s.h, s.sq, s.d},
                           cudnn_backend::packed_strides({s.b, s.h, s.sq, s.d}));
  g.matmul(ds, k, dq_accum, qk_reduce);
  g.pointwise(CUDNN_POINTWISE_IDENTITY, {dq_accum}, dq);
  return g.build(handle, "SDPA backward", p.deterministic);
}

}  // namespace longnet::attention::cudnn_sdpa
