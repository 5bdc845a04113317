#include "nn/tiny_dense_lm.h"

#include <cmath>

#include "nn/dense_attention.h"
#include "ops/elementwise.h"
#include "ops/view.h"
#include "ops/xpos.h"

namespace longnet::nn {

DenseSelfAttention::DenseSelfAttention(int64_t dim, int64_t heads_, double gain,
                                       const TensorOptions& options)
    : heads(heads_),
      q_proj(dim, dim, true, 1.0, options),
      k_proj(dim, dim, true, 1.0, options),
      v_proj(dim, dim, true, gain, options),
      inner_attn_ln(dim, 1e-5, options),
      out_proj(dim, dim, true, gain, options) {
  if (dim % heads != 0 || (dim / heads) % 2 != 0)
    fail<ConfigError>("attention: dim {} must split into {} heads of even size", dim, heads);
  add_module("q_proj", q_proj);
  add_module("k_proj", k_proj);
  add_module("v_proj", v_proj);
  add_module("inner_attn_ln", inner_attn_ln);
  add_module("out_proj", out_proj);
}

Tensor DenseSelfAttention::forward(const Tensor& x, int64_t start) const {
  const int64_t b = x.size(0), n = x.size(1), e = x.size(2);
  const Shape heads_shape{b, n, heads, e / heads};
  const Tensor q = ops::xpos_rotate(ops::reshape(q_proj.forward(x), heads_shape), start);
  const Tensor k = ops::xpos_rotate(ops::reshape(k_proj.forward(x), heads_shape), start);
  const Tensor v = ops::reshape(v_proj.forward(x), heads_shape);
  const Tensor a = ops::reshape(dense_causal_attention(q, k, v), {b, n, e});
  return out_proj.forward(inner_attn_ln.forward(a));
}

DecoderLayer::DecoderLayer(const TinyLMConfig& c, const TensorOptions& options)
    : self_attn_layer_norm(c.dim, 1e-5, options),
      self_attn(c.dim, c.heads, magneto_gain(c.layers), options),
      final_layer_norm(c.dim, 1e-5, options),
      ffn(c.dim, c.ffn_hidden, magneto_gain(c.layers), options) {
  add_module("self_attn_layer_norm", self_attn_layer_norm);
  add_module("self_attn", self_attn);
  add_module("final_layer_norm", final_layer_norm);
  add_module("ffn", ffn);
}

Tensor DecoderLayer::forward(const Tensor& x, int64_t start) const {
  const Tensor h = x + self_attn.forward(self_attn_layer_norm.forward(x), start);
  return h + ffn.forward(final_layer_norm.forward(h));
}

TinyDenseLM::TinyDenseLM(const TinyLMConfig& c, uint64_t seed, const TensorOptions& options)
    : config(c),
      embed_tokens(c.vocab, c.dim, 1.0 / std::sqrt(double(c.dim)), options),
      layer_norm(c.dim, 1e-5, options),
      output_projection(c.dim, c.vocab, false, Init::normal(0.0, 1.0 / std::sqrt(double(c.dim))),
                        options) {
  add_module("embed_tokens", embed_tokens);
  for (int64_t i = 0; i < c.layers; ++i) {
    layers.push_back(std::make_unique<DecoderLayer>(c, options));
    add_module("layers." + std::to_string(i), *layers.back());
  }
  add_module("layer_norm", layer_norm);
  add_module("output_projection", output_projection);
  initialize(*this, seed);
}

Tensor TinyDenseLM::forward(const Tensor& ids) const {
  Tensor x = embed_tokens.forward(ids);
  for (const auto& layer : layers) x = layer->forward(x, 0);
  return output_projection.forward(layer_norm.forward(x));
}

}  // namespace longnet::nn
