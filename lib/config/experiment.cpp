#include "config/experiment.h"

#include <fmt/format.h>

#include "config/load.h"
#include "config/toml_writer.h"

namespace longnet::config {

void ModelConfig::validate(const Checker& check) const {
  check.require(dim % heads == 0, {"dim", "heads"},
                fmt::format("{} ({}) must be a multiple of {} ({})", check.name("dim"), dim,
                            check.name("heads"), heads));
  check.require(head_dim() % 2 == 0, {"dim", "heads"},
                fmt::format("the head dimension {} / {} = {} must be even (XPOS rotates pairs of "
                            "dimensions)",
                            check.name("dim"), check.name("heads"), head_dim()));
}

void SparseConfig::validate(const Checker& check) const {
  check.require(summary <= block, {"summary", "block"},
                fmt::format("{} ({}) must be at most {} ({})", check.name("summary"), summary,
                            check.name("block"), block));
}

void AttentionConfig::validate(const Checker& check) const {
  check.require(segment_lengths.size() == dilation_rates.size(),
                {"dilation_rates", "segment_lengths"},
                fmt::format("{} has {} entries but {} has {}: they pair up, one pattern each",
                            check.name("segment_lengths"), segment_lengths.size(),
                            check.name("dilation_rates"), dilation_rates.size()));
}

void TrainConfig::validate(const Checker& check) const {
  const int64_t per_pass = seq_len * micro_batch;
  check.require(tokens_per_step % per_pass == 0, {"tokens_per_step", "seq_len", "micro_batch"},
                fmt::format("{} ({}) must be a multiple of {} * {} ({} * {} = {})",
                            check.name("tokens_per_step"), tokens_per_step, check.name("seq_len"),
                            check.name("micro_batch"), seq_len, micro_batch, per_pass));
  check.require(min_lr <= lr, {"min_lr", "lr"},
                fmt::format("{} ({}) must be at most {} ({})", check.name("min_lr"), min_lr,
                            check.name("lr"), lr));
  check.require(
      !(precision == Precision::bf16 && device == Device::cpu), {"precision", "device"},
      fmt::format("{} = \"bf16\" needs a GPU, but {} = \"cpu\"; use f32 or auto on the CPU",
                  check.name("precision"), check.name("device")));
}

void ScaleConfig::validate(const Checker& check) const {
  check.require(
      max_tokens == 0 || min_tokens <= max_tokens, {"max_tokens", "min_tokens"},
      fmt::format("{} ({}) must be at least {} ({}), or 0 for no limit", check.name("max_tokens"),
                  max_tokens, check.name("min_tokens"), min_tokens));
  check.require(head_dim > 0 || dim % heads == 0, {"dim", "heads", "head_dim"},
                fmt::format("{} ({}) must be a multiple of {} ({}) when {} is 0", check.name("dim"),
                            dim, check.name("heads"), heads, check.name("head_dim")));
  const std::string head_dim_text =
      head_dim > 0 ? check.name("head_dim")
                   : fmt::format("{} / {}", check.name("dim"), check.name("heads"));
  check.require(resolved_head_dim() % 2 == 0, {"head_dim", "dim", "heads"},
                fmt::format("the head dimension {} = {} must be even (XPOS rotates pairs of "
                            "dimensions)",
                            head_dim_text, resolved_head_dim()));
}

ExperimentConfig load_experiment(const std::string& path, std::span<const std::string> overrides) {
  return load_config<ExperimentConfig>(path, overrides);
}

ExperimentConfig parse_experiment(std::string_view text, const std::string& name,
                                  std::span<const std::string> overrides) {
  return parse_config<ExperimentConfig>(text, name, overrides);
}

std::string experiment_to_toml(const ExperimentConfig& config) { return to_toml(config); }

}  // namespace longnet::config
