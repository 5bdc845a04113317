#pragma once
// The experiment config: one TOML file per run (experiments/*.toml), sections [model],
// [attention], [data], [train], [eval] and [scale]. Every key, its default and its range is
// declared once below and documented in docs/config.md. Defaults are the paper's (LongNet,
// arXiv 2307.02486, Table 3 and section 4; DESIGN.md section 4).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "config/schema.h"

namespace longnet::config {

enum class AttentionKind { dense, sparse, dilated };
constexpr std::array<EnumName<AttentionKind>, 3> enum_names(AttentionKind) {
  return {{{AttentionKind::dense, "dense"},
           {AttentionKind::sparse, "sparse"},
           {AttentionKind::dilated, "dilated"}}};
}

enum class HeadOffsets { interleaved, blocked };
constexpr std::array<EnumName<HeadOffsets>, 2> enum_names(HeadOffsets) {
  return {{{HeadOffsets::interleaved, "interleaved"}, {HeadOffsets::blocked, "blocked"}}};
}

enum class Schedule { polynomial, cosine, constant };
constexpr std::array<EnumName<Schedule>, 3> enum_names(Schedule) {
  return {{{Schedule::polynomial, "polynomial"},
           {Schedule::cosine, "cosine"},
           {Schedule::constant, "constant"}}};
}

enum class Device { automatic, cpu, cuda };
constexpr std::array<EnumName<Device>, 3> enum_names(Device) {
  return {{{Device::automatic, "auto"}, {Device::cpu, "cpu"}, {Device::cuda, "cuda"}}};
}

enum class Precision { automatic, f32, bf16 };
constexpr std::array<EnumName<Precision>, 3> enum_names(Precision) {
  return {{{Precision::automatic, "auto"}, {Precision::f32, "f32"}, {Precision::bf16, "bf16"}}};
}

enum class ScaleMode { core, layer, both };
constexpr std::array<EnumName<ScaleMode>, 3> enum_names(ScaleMode) {
  return {{{ScaleMode::core, "core"}, {ScaleMode::layer, "layer"}, {ScaleMode::both, "both"}}};
}

struct ModelConfig {
  int64_t vocab_size = 0;
  int64_t layers = 12;
  int64_t dim = 768;
  int64_t heads = 12;
  int64_t ffn_dim = 3072;
  double dropout = 0.0;
  bool tie_embeddings = false;
  double xpos_scale_base = 512.0;

  int64_t head_dim() const { return dim / heads; }

  template <class V>
  void visit(V& v) {
    v.field("vocab_size", vocab_size,
            "Vocabulary size; 0 takes it from the prepared corpus's tokenizer.", at_least(0));
    v.field("layers", layers, "Decoder layers.", at_least(1));
    v.field("dim", dim, "Model width E; a multiple of heads, with an even head dimension.",
            at_least(1));
    v.field("heads", heads, "Attention heads H; the head dimension is dim / heads.", at_least(1));
    v.field("ffn_dim", ffn_dim, "Hidden width of the feed-forward block.", at_least(1));
    v.field("dropout", dropout, "Dropout probability (the paper uses 0).", in_range_below(0, 1));
    v.field("tie_embeddings", tie_embeddings, "Share the output projection with the embedding.");
    v.field("xpos_scale_base", xpos_scale_base,
            "XPOS decay scale base (a score decays as z^(distance / base)); 0 turns the decay off.",
            at_least(0));
  }
  void validate(const Checker& check) const;
  bool operator==(const ModelConfig&) const = default;
};

struct SparseConfig {
  int64_t block = 2048;
  int64_t summary = 128;

  template <class V>
  void visit(V& v) {
    v.field("block", block, "Block length l of the fixed sparse pattern.", at_least(1));
    v.field("summary", summary,
            "Summary positions c per block (each head reads its own c of every earlier block).",
            at_least(1));
  }
  void validate(const Checker& check) const;
  bool operator==(const SparseConfig&) const = default;
};

struct AttentionConfig {
  AttentionKind kind = AttentionKind::dilated;
  std::vector<int64_t> segment_lengths = {2048, 4096, 8192, 16384, 32768};
  std::vector<int64_t> dilation_rates = {1, 2, 4, 6, 12};
  HeadOffsets head_offsets = HeadOffsets::interleaved;
  bool causal = true;
  SparseConfig sparse;

  template <class V>
  void visit(V& v) {
    v.field("kind", kind,
            "dense (vanilla Transformer), sparse (fixed Sparse Transformer) or dilated (LongNet).");
    v.field("segment_lengths", segment_lengths,
            "dilated: segment length w of each pattern (clipped to the sequence length).",
            at_least(1) | non_empty());
    v.field("dilation_rates", dilation_rates,
            "dilated: dilation rate r of each pattern, paired with segment_lengths.",
            at_least(1) | non_empty());
    v.field("head_offsets", head_offsets,
            "dilated: offset of head h, h mod r (interleaved, the paper's) or "
            "h / ceil(H / r) (blocked, the official code's).");
    v.field("causal", causal, "Each position attends only to itself and earlier ones.");
    v.table("sparse", sparse, "The fixed sparse pattern (kind = \"sparse\").");
  }
  void validate(const Checker& check) const;
  bool operator==(const AttentionConfig&) const = default;
};

struct DataConfig {
  std::string dir = "runs/data/quickstart";
  std::string train_split = "train";
  std::string valid_split = "valid";

  template <class V>
  void visit(V& v) {
    v.field("dir", dir,
            "Directory of the prepared corpus (what `longnet prepare` wrote), relative to the "
            "working directory.",
            non_empty());
    v.field("train_split", train_split, "Split to train on.", non_empty());
    v.field("valid_split", valid_split, "Split to evaluate on during training.", non_empty());
  }
  bool operator==(const DataConfig&) const = default;
};

struct TrainConfig {
  int64_t seq_len = 8192;
  int64_t tokens_per_step = 65536;
  int64_t micro_batch = 1;
  int64_t steps = 10000;
  double lr = 6e-4;
  double beta1 = 0.9;
  double beta2 = 0.98;
  double eps = 1e-8;
  double weight_decay = 0.01;
  int64_t warmup_steps = 750;
  Schedule schedule = Schedule::polynomial;
  double decay_power = 1.0;
  double min_lr = 0.0;
  double clip_grad_norm = 2.0;
  int64_t seed = 1;
  int64_t eval_every = 1000;
  int64_t eval_tokens = 1 << 20;
  int64_t checkpoint_every = 1000;
  int64_t keep_checkpoints = 3;
  int64_t log_every = 10;
  Device device = Device::automatic;
  Precision precision = Precision::automatic;
  bool deterministic = true;

  // Sequences per optimizer step, and micro-batches accumulated per step.
  int64_t sequences_per_step() const { return tokens_per_step / seq_len; }
  int64_t accumulation_steps() const { return tokens_per_step / (seq_len * micro_batch); }

  template <class V>
  void visit(V& v) {
    v.field("seq_len", seq_len, "Training sequence length N in tokens.", at_least(1));
    v.field("tokens_per_step", tokens_per_step,
            "Tokens per optimizer step; a multiple of seq_len * micro_batch (the rest is "
            "gradient accumulation).",
            at_least(1));
    v.field("micro_batch", micro_batch, "Sequences per forward/backward pass.", at_least(1));
    v.field("steps", steps, "Optimizer steps to train.", at_least(1));
    v.field("lr", lr, "Peak learning rate (AdamW).", greater_than(0));
    v.field("beta1", beta1, "AdamW beta1.", in_range_below(0, 1));
    v.field("beta2", beta2, "AdamW beta2.", in_range_below(0, 1));
    v.field("eps", eps, "AdamW epsilon, added after the square root.", greater_than(0));
    v.field("weight_decay", weight_decay, "AdamW decoupled weight decay.", at_least(0));
    v.field("warmup_steps", warmup_steps, "Linear warm-up steps from 0 to lr.", at_least(0));
    v.field("schedule", schedule,
            "Learning rate after warm-up: polynomial decay, cosine decay (both to min_lr at "
            "`steps`) or constant.");
    v.field("decay_power", decay_power, "Power of the polynomial decay (1 = linear).",
            greater_than(0));
    v.field("min_lr", min_lr, "Learning rate at the end of the decay; at most lr.", at_least(0));
    v.field("clip_grad_norm", clip_grad_norm, "Clip the global gradient norm to this; 0 = off.",
            at_least(0));
    v.field("seed", seed, "Seed of initialisation, dropout and data order.", at_least(0));
    v.field("eval_every", eval_every, "Evaluate on valid_split every this many steps; 0 = never.",
            at_least(0));
    v.field("eval_tokens", eval_tokens,
            "Tokens of valid_split used by each evaluation; 0 = the whole split.", at_least(0));
    v.field("checkpoint_every", checkpoint_every,
            "Save a checkpoint every this many steps; 0 = only at the end.", at_least(0));
    v.field("keep_checkpoints", keep_checkpoints, "Checkpoints kept; older ones are deleted.",
            at_least(1));
    v.field("log_every", log_every, "Report loss and throughput every this many steps.",
            at_least(1));
    v.field("device", device, "auto (a GPU when one is visible, else the CPU), cpu or cuda.");
    v.field("precision", precision,
            "auto (bf16 on a GPU, f32 on the CPU), f32, or bf16 (GPU only; fp32 master weights).");
    v.field("deterministic", deterministic,
            "GPU: one seed gives the same bits (attention backward in a fixed order); false "
            "lets dense attention use cuDNN's faster non-deterministic backward and GEMMs "
            "pick cuBLASLt algorithms by timing.");
  }
  void validate(const Checker& check) const;
  bool operator==(const TrainConfig&) const = default;
};

struct EvalConfig {
  std::vector<int64_t> lengths = {2048, 8192, 32768};
  std::string split = "test";
  int64_t max_tokens = 0;
  bool blockwise = true;

  template <class V>
  void visit(V& v) {
    v.field("lengths", lengths, "Evaluation lengths in tokens; one perplexity column each.",
            at_least(1) | non_empty());
    v.field("split", split, "Split to evaluate.", non_empty());
    v.field("max_tokens", max_tokens, "Tokens evaluated per length; 0 = the whole split.",
            at_least(0));
    v.field("blockwise", blockwise,
            "Beyond train.seq_len, use blockwise causal attention (blocks of the training "
            "length, as the paper); false attends over the whole length.");
  }
  bool operator==(const EvalConfig&) const = default;
};

struct ScaleConfig {
  std::vector<AttentionKind> kinds = {AttentionKind::dilated, AttentionKind::dense,
                                      AttentionKind::sparse};
  ScaleMode mode = ScaleMode::core;
  int64_t min_tokens = 8192;
  int64_t max_tokens = 0;
  int64_t dim = 768;
  int64_t heads = 12;
  int64_t head_dim = 0;
  int64_t batch = 1;
  int64_t warmup = 3;
  int64_t repeats = 10;
  bool backward = true;
  Device device = Device::automatic;

  // head_dim, or dim / heads when it is 0.
  int64_t resolved_head_dim() const { return head_dim > 0 ? head_dim : dim / heads; }

  template <class V>
  void visit(V& v) {
    v.field("kinds", kinds, "Attention kinds to time, with the patterns of [attention].",
            non_empty());
    v.field("mode", mode,
            "core: the attention kernel alone; layer: the whole attention layer with its "
            "projections; both.");
    v.field("min_tokens", min_tokens, "First sequence length; lengths double from here.",
            at_least(1));
    v.field("max_tokens", max_tokens,
            "Last sequence length; 0 = keep doubling until memory runs out.", at_least(0));
    v.field("dim", dim, "Model width E of the timed layer.", at_least(1));
    v.field("heads", heads, "Attention heads H.", at_least(1));
    v.field("head_dim", head_dim, "Head dimension Dh (even); 0 = dim / heads.", at_least(0));
    v.field("batch", batch, "Sequences per timed call.", at_least(1));
    v.field("warmup", warmup, "Untimed calls before timing.", at_least(0));
    v.field("repeats", repeats, "Timed calls; the median is reported.", at_least(1));
    v.field("backward", backward, "Time the backward pass too.");
    v.field("device", device, "auto, cpu or cuda.");
  }
  void validate(const Checker& check) const;
  bool operator==(const ScaleConfig&) const = default;
};

struct ExperimentConfig {
  ModelConfig model;
  AttentionConfig attention;
  DataConfig data;
  TrainConfig train;
  EvalConfig eval;
  ScaleConfig scale;

  template <class V>
  void visit(V& v) {
    v.table("model", model, "The decoder (MAGNETO with XPOS).");
    v.table("attention", attention, "The attention pattern of every layer.");
    v.table("data", data, "The prepared corpus.");
    v.table("train", train, "Optimisation and the training loop.");
    v.table("eval", eval, "The perplexity table of `longnet eval`.");
    v.table("scale", scale, "Runtime and memory against sequence length (`longnet scale`).");
  }
  bool operator==(const ExperimentConfig&) const = default;
};

// Reads an experiment file with `--set key=value` overrides applied, checked (config/load.h).
ExperimentConfig load_experiment(const std::string& path,
                                 std::span<const std::string> overrides = {});
ExperimentConfig parse_experiment(std::string_view text, const std::string& name,
                                  std::span<const std::string> overrides = {});

// The resolved config as TOML text; parse_experiment() of it gives an equal config.
std::string experiment_to_toml(const ExperimentConfig& config);

}  // namespace longnet::config
