#include "nn/lm.h"

#include <cmath>

#include "nn/attention.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/matmul.h"
#include "ops/view.h"
#include "ops/xpos.h"

namespace longnet::nn {

attention::Spec attention_spec(const config::AttentionConfig& a, const config::ModelConfig& m) {
  attention::Spec spec;
  spec.causal = a.causal;
  spec.xpos_scale_base = m.xpos_scale_base;
  spec.sparse_block = a.sparse.block;
  spec.sparse_summary = a.sparse.summary;
  spec.head_offsets = a.head_offsets == config::HeadOffsets::blocked
                          ? attention::HeadOffsets::blocked
                          : attention::HeadOffsets::interleaved;
  switch (a.kind) {
    case config::AttentionKind::dense: spec.kind = attention::Kind::dense; break;
    case config::AttentionKind::sparse: spec.kind = attention::Kind::sparse; break;
    case config::AttentionKind::dilated:
      spec.kind = attention::Kind::dilated;
      for (size_t i = 0; i < a.segment_lengths.size() && i < a.dilation_rates.size(); ++i)
        spec.patterns.push_back({a.segment_lengths[i], a.dilation_rates[i]});
      break;
  }
  attention::validate(spec);
  return spec;
}

LongNetSelfAttention::LongNetSelfAttention(const config::ModelConfig& m, attention::Spec spec_,
                                           const TensorOptions& options)
    : heads(m.heads),
      spec(std::move(spec_)),
      q_proj(m.dim, m.dim, true, 1.0, options),
      k_proj(m.dim, m.dim, true, 1.0, options),
      v_proj(m.dim, m.dim, true, magneto_gain(m.layers), options),
      inner_attn_ln(m.dim, 1e-5, options),
      out_proj(m.dim, m.dim, true, magneto_gain(m.layers), options) {
  if (m.dim % m.heads != 0 || m.head_dim() % 2 != 0)
    fail<ConfigError>("model.dim = {} must split into model.heads = {} heads of even size", m.dim,
                      m.heads);
  add_module("q_proj", q_proj);
  add_module("k_proj", k_proj);
  add_module("v_proj", v_proj);
  add_module("inner_attn_ln", inner_attn_ln);
  add_module("out_proj", out_proj);
}

Tensor LongNetSelfAttention::forward(const Tensor& x, const AttentionOptions& options) const {
  const int64_t b = x.size(0), n = x.size(1), e = x.size(2);
  const Shape heads_shape{b, n, heads, e / heads};
  const Tensor q = ops::xpos_rotate(ops::reshape(q_proj.forward(x), heads_shape), 0);
  const Tensor k = ops::xpos_rotate(ops::reshape(k_proj.forward(x), heads_shape), 0);
  const Tensor v = ops::reshape(v_proj.forward(x), heads_shape);
  const Tensor a = ops::reshape(attention(q, k, v, spec, options), {b, n, e});
  return out_proj.forward(inner_attn_ln.forward(a));
}

LongNetLayer::LongNetLayer(const config::ModelConfig& m, const attention::Spec& spec,
                           const TensorOptions& options)
    : self_attn_layer_norm(m.dim, 1e-5, options),
      self_attn(m, spec, options),
      final_layer_norm(m.dim, 1e-5, options),
      ffn(m.dim, m.ffn_dim, magneto_gain(m.layers), options) {
  add_module("self_attn_layer_norm", self_attn_layer_norm);
  add_module("self_attn", self_attn);
  add_module("final_layer_norm", final_layer_norm);
  add_module("ffn", ffn);
}

Tensor LongNetLayer::forward(const Tensor& x, const ForwardOptions& o, uint64_t layer) const {
  const uint64_t site = o.stream + 2 * layer;
  const Tensor a = self_attn.forward(self_attn_layer_norm.forward(x),
                                    {o.attention_block, o.deterministic_attention});
  const Tensor h = x + ops::dropout(a, o.dropout, o.seed, site);
  return h + ops::dropout(ffn.forward(final_layer_norm.forward(h)), o.dropout, o.seed, site + 1);
}

LongNetLM::LongNetLM(const config::ModelConfig& m, const config::AttentionConfig& a,
                     uint64_t seed, const TensorOptions& options)
    : config(m),
      embed_tokens(m.vocab_size, m.dim, 1.0 / std::sqrt(double(m.dim)), options),
      layer_norm(m.dim, 1e-5, options) {
  if (m.vocab_size <= 0) fail<ConfigError>("model.vocab_size must be resolved before building");
  const attention::Spec spec = attention_spec(a, m);
  add_module("embed_tokens", embed_tokens);
  for (int64_t i = 0; i < m.layers; ++i) {
    layers.push_back(std::make_unique<LongNetLayer>(m, spec, options));
    add_module("layers." + std::to_string(i), *layers.back());
  }
  add_module("layer_norm", layer_norm);
  if (!m.tie_embeddings) {
    output_projection = std::make_unique<Linear>(
        m.dim, m.vocab_size, false, Init::normal(0.0, 1.0 / std::sqrt(double(m.dim))), options);
    add_module("output_projection", *output_projection);
  }
  initialize(*this, seed);
}

Tensor LongNetLM::forward(const Tensor& ids, const ForwardOptions& options) const {
  Tensor x = embed_tokens.forward(ids);
  for (size_t i = 0; i < layers.size(); ++i) x = layers[i]->forward(x, options, i);
  const Tensor h = layer_norm.forward(x);
  return output_projection ? output_projection->forward(h)
                           : ops::linear(h, embed_tokens.weight, Tensor());
}

}  // namespace longnet::nn
