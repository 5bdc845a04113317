#pragma once
// A small MAGNETO decoder LM (DESIGN.md section 4: Sub-LN, XPOS rotation, exact GELU) with plain
// dense causal attention, built from the ops: the model of the CPU copy-task test and the CPU
// benchmark, and an oracle for the real decoder. It leaves out the XPOS decay scale (attention
// applies it in relative form) and dropout. Parameter names follow the official code:
// embed_tokens, layers.<i>.self_attn.{q,k,v,out}_proj, layers.<i>.self_attn.inner_attn_ln,
// layers.<i>.self_attn_layer_norm, layers.<i>.final_layer_norm, layers.<i>.ffn.*, layer_norm,
// output_projection.
#include <memory>
#include <vector>

#include "nn/embedding.h"
#include "nn/feed_forward.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"

namespace longnet::nn {

struct TinyLMConfig {
  int64_t vocab = 16;
  int64_t dim = 64;
  int64_t heads = 4;
  int64_t layers = 2;
  int64_t ffn_hidden = 128;
};

class DenseSelfAttention : public Module {
 public:
  DenseSelfAttention(int64_t dim, int64_t heads, double gain, const TensorOptions& options);
  // x [B, N, E] at absolute positions start.. -> [B, N, E]
  Tensor forward(const Tensor& x, int64_t start) const;

  int64_t heads;
  Linear q_proj, k_proj, v_proj;
  LayerNorm inner_attn_ln;
  Linear out_proj;
};

class DecoderLayer : public Module {
 public:
  DecoderLayer(const TinyLMConfig& config, const TensorOptions& options);
  Tensor forward(const Tensor& x, int64_t start) const;

  LayerNorm self_attn_layer_norm;
  DenseSelfAttention self_attn;
  LayerNorm final_layer_norm;
  FeedForward ffn;
};

class TinyDenseLM : public Module {
 public:
  // Parameters are initialised from `seed` (MAGNETO init).
  TinyDenseLM(const TinyLMConfig& config, uint64_t seed, const TensorOptions& options = {});
  // ids [B, N] (integer) -> logits [B, N, vocab]
  Tensor forward(const Tensor& ids) const;

  TinyLMConfig config;
  Embedding embed_tokens;
  std::vector<std::unique_ptr<DecoderLayer>> layers;
  LayerNorm layer_norm;
  Linear output_projection;
};

}  // namespace longnet::nn
