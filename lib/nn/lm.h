#pragma once
// The LongNet language model of DESIGN.md section 4: MAGNETO (Sub-LN) decoder layers with XPOS,
// exact GELU, final LayerNorm and an output projection tied or untied. Only the attention kind
// and its patterns differ between the model families; they come from [attention].
//
// Parameter names (= checkpoint tensor names, docs/train.md) follow the official code:
//   embed_tokens.weight [V, E]
//   layers.<i>.self_attn_layer_norm.{weight,bias} [E]
//   layers.<i>.self_attn.{q,k,v,out}_proj.{weight [E, E], bias [E]}
//   layers.<i>.self_attn.inner_attn_ln.{weight,bias} [E]
//   layers.<i>.final_layer_norm.{weight,bias} [E]
//   layers.<i>.ffn.fc1.{weight [F, E], bias [F]}, ffn.ffn_layernorm.{weight,bias} [F],
//   layers.<i>.ffn.fc2.{weight [E, F], bias [E]}
//   layer_norm.{weight,bias} [E]
//   output_projection.weight [V, E] (absent when tied to embed_tokens)
#include <memory>
#include <vector>

#include "attention/spec.h"
#include "config/experiment.h"
#include "nn/attention.h"
#include "nn/embedding.h"
#include "nn/feed_forward.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"

namespace longnet::nn {

// The attention::Spec that [attention] and [model] describe.
attention::Spec attention_spec(const config::AttentionConfig& attention,
                               const config::ModelConfig& model);

// How one forward pass runs. Dropout masks are drawn from Philox(seed, stream + site), where
// each layer uses two sites; `stream` must differ between micro-batches.
struct ForwardOptions {
  int64_t attention_block = 0;  // > 0: blockwise causal attention beyond this length
  double dropout = 0.0;
  uint64_t seed = 0;
  uint64_t stream = 0;
  bool deterministic_attention = true;  // CUDA: attention backward in a fixed order
};

class LongNetSelfAttention : public Module {
 public:
  LongNetSelfAttention(const config::ModelConfig& model, attention::Spec spec,
                       const TensorOptions& options);
  // x [B, N, E] -> [B, N, E]
  Tensor forward(const Tensor& x, const AttentionOptions& options) const;

  int64_t heads;
  attention::Spec spec;
  Linear q_proj, k_proj, v_proj;
  LayerNorm inner_attn_ln;
  Linear out_proj;
};

class LongNetLayer : public Module {
 public:
  LongNetLayer(const config::ModelConfig& model, const attention::Spec& spec,
               const TensorOptions& options);
  Tensor forward(const Tensor& x, const ForwardOptions& options, uint64_t layer) const;

  LayerNorm self_attn_layer_norm;
  LongNetSelfAttention self_attn;
  LayerNorm final_layer_norm;
  FeedForward ffn;
};

class LongNetLM : public Module {
 public:
  // model.vocab_size must be resolved (> 0). Parameters are initialised from `seed`.
  LongNetLM(const config::ModelConfig& model, const config::AttentionConfig& attention,
            uint64_t seed, const TensorOptions& options = {});
  // ids [B, N] (integer) -> logits [B, N, V]
  Tensor forward(const Tensor& ids, const ForwardOptions& options = {}) const;
  // Where the parameters live (inputs go there).
  Device device() const { return embed_tokens.weight.device(); }

  config::ModelConfig config;
  Embedding embed_tokens;
  std::vector<std::unique_ptr<LongNetLayer>> layers;
  LayerNorm layer_norm;
  std::unique_ptr<Linear> output_projection;  // null when tied to embed_tokens
};

}  // namespace longnet::nn
