// `longnet scale`: runtime and peak memory of attention against sequence length (the LongNet
// paper's Figure 5, and further). Parses and checks the options; lib/bench does the work.
#include <fmt/core.h>

#include <algorithm>
#include <string>
#include <vector>

#include "attention/spec.h"
#include "bench/attention_targets.h"
#include "bench/counts.h"
#include "bench/scale_report.h"
#include "bench/sweep.h"
#include "commands.h"
#include "common/build_info.h"
#include "common/error.h"
#include "common/gpu_info.h"
#include "common/suggest.h"

namespace longnet::cli {

namespace {

struct ScaleOptions {
  std::vector<std::string> attention = {"dense", "sparse", "dilated"};
  std::string mode = "core";
  std::string device = "auto";
  std::string min_tokens = "8K", max_tokens;
  int64_t dim = 768, heads = 12, head_dim = 0;
  std::vector<std::string> segment_lengths = {"2048", "4096", "8192", "16384", "32768"};
  std::vector<int64_t> dilation_rates = {1, 2, 4, 6, 12};
  std::string sparse_block = "2048";
  int64_t sparse_summary = 128;
  int64_t batch = 1;
  int warmup = 3, repeats = 10;
  bool no_backward = false;
  bool cudnn_reference = false;
  double xpos_scale_base = 512;
  double time_limit_s = 60;
  std::string memory_limit;
  std::string out = "scale-results";
};

constexpr int64_t cpu_default_max_tokens = 64 << 10;
constexpr int64_t gpu_default_max_tokens = int64_t(1) << 30;  // the paper's 1B: in effect, until OOM

int64_t count_option(const char* option, const std::string& value) {
  const auto count = bench::parse_count(value);
  if (!count) {
    fail<UsageError>("{} {}: expected a positive count such as 8192, 8K, 16M or 1G", option, value);
  }
  return *count;
}

void require_at_least(const char* option, double value, double least) {
  if (value < least) fail<UsageError>("{} {}: must be at least {}", option, value, least);
}

attention::Kind kind_option(const std::string& name) {
  static const std::vector<std::string> names = {"dense", "sparse", "dilated"};
  if (name == "dense") return attention::Kind::dense;
  if (name == "sparse") return attention::Kind::sparse;
  if (name == "dilated") return attention::Kind::dilated;
  const std::string guess = closest_match(name, names);
  fail<UsageError>("--attention {}: unknown attention kind{}; choose from dense, sparse, dilated",
                   name, guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess));
}

std::string resolve_device(const std::string& device) {
  if (device != "auto" && device != "cpu" && device != "cuda") {
    fail<UsageError>("--device {}: choose cpu, cuda or auto", device);
  }
  const bool gpu = build_info().cuda_built && !visible_gpus().empty();
  if (device == "cuda" && !gpu) {
    fail<UsageError>("--device cuda: {}; use --device cpu",
                     build_info().cuda_built ? "no GPU is visible" : "this longnet was built without CUDA");
  }
  if (device == "auto") return gpu ? "cuda" : "cpu";
  return device;
}

// The attention spec every kind shares: the dilated patterns and the sparse shape.
attention::Spec base_spec(const ScaleOptions& o) {
  if (o.segment_lengths.size() != o.dilation_rates.size()) {
    fail<UsageError>("--segment-lengths has {} values and --dilation-rates {}: give one rate per "
                     "segment length",
                     o.segment_lengths.size(), o.dilation_rates.size());
  }
  attention::Spec spec;
  for (size_t i = 0; i < o.segment_lengths.size(); ++i) {
    require_at_least("--dilation-rates", double(o.dilation_rates[i]), 1);
    spec.patterns.push_back({count_option("--segment-lengths", o.segment_lengths[i]),
                             o.dilation_rates[i]});
  }
  spec.sparse_block = count_option("--sparse-block", o.sparse_block);
  require_at_least("--sparse-summary", double(o.sparse_summary), 1);
  if (o.sparse_summary > spec.sparse_block) {
    fail<UsageError>("--sparse-summary {} is larger than --sparse-block {}", o.sparse_summary,
                     spec.sparse_block);
  }
  spec.sparse_summary = o.sparse_summary;
  return spec;
}

bench::CoreShape core_shape(const ScaleOptions& o, bool layer) {
  require_at_least("--heads", double(o.heads), 1);
  require_at_least("--batch", double(o.batch), 1);
  require_at_least("--dim", double(o.dim), 1);
  if (o.head_dim == 0 && o.dim % o.heads != 0) {
    fail<UsageError>("--dim {} is not a multiple of --heads {}: pick another width, or set "
                     "--head-dim",
                     o.dim, o.heads);
  }
  const int64_t head_dim = o.head_dim == 0 ? o.dim / o.heads : o.head_dim;
  require_at_least("--head-dim", double(head_dim), 1);
  if (layer && head_dim * o.heads != o.dim) {
    fail<UsageError>("--head-dim {} x --heads {} is not --dim {}: the layer's heads split the model "
                     "width",
                     head_dim, o.heads, o.dim);
  }
  return {o.batch, o.heads, head_dim};
}

void run_scale(const ScaleOptions& o) {
  if (o.mode != "core" && o.mode != "layer" && o.mode != "both") {
    fail<UsageError>("--mode {}: choose core, layer or both", o.mode);
  }
  bench::ScaleRequest request;
  request.core = o.mode != "layer";
  request.layer = o.mode != "core";
  for (const auto& name : o.attention) request.kinds.push_back(kind_option(name));
  request.spec = base_spec(o);
  request.shape = core_shape(o, request.layer);
  require_at_least("--warmup", o.warmup, 0);
  require_at_least("--repeats", o.repeats, 1);
  require_at_least("--time-limit", o.time_limit_s, 0);
  require_at_least("--xpos-scale-base", o.xpos_scale_base, 0);
  request.repeats = {o.warmup, o.repeats};
  request.backward = !o.no_backward;
  request.cudnn_reference = o.cudnn_reference;
  request.xpos_scale_base = o.xpos_scale_base;
  request.device = resolve_device(o.device);
  const bool has_dilated = std::find(request.kinds.begin(), request.kinds.end(),
                                     attention::Kind::dilated) != request.kinds.end();
  if (o.cudnn_reference && (request.device != "cuda" || !request.core || !has_dilated)) {
    fail<UsageError>("--cudnn-reference times cuDNN on the dilated core's equivalent problem: it "
                     "needs --device cuda, --mode core or both, and dilated in --attention");
  }
  bench::SweepOptions sweep{count_option("--min-tokens", o.min_tokens), 0, o.time_limit_s};
  sweep.max_tokens = o.max_tokens.empty() ? (request.device == "cpu" ? cpu_default_max_tokens
                                                                     : gpu_default_max_tokens)
                                          : count_option("--max-tokens", o.max_tokens);
  if (sweep.max_tokens < sweep.min_tokens) {
    fail<UsageError>("--max-tokens {} is below --min-tokens {}", bench::format_count(sweep.max_tokens),
                     bench::format_count(sweep.min_tokens));
  }
  if (!o.memory_limit.empty()) request.memory_limit = count_option("--memory-limit", o.memory_limit);

  const bench::ScaleTargets targets = bench::scale_targets(request);
  const auto& shape = request.shape;
  fmt::print("longnet scale: {} on {}, {}, batch {}, {} heads x {}\n",
             request.layer ? (request.core ? "attention core and layer" : "attention layer")
                           : "attention core (Q, K, V to O)",
             targets.context.device, targets.context.dtype, shape.batch, shape.heads,
             shape.head_dim);
  fmt::print("N from {} doubling to {}; {} warm-up runs, median of {}; {}\n",
             bench::format_count(sweep.min_tokens), bench::format_count(sweep.max_tokens), o.warmup,
             o.repeats, targets.memory_note);
  for (const auto& label : targets.labels) {
    if (label.pass == "fwd") fmt::print("  {} {}: {}\n", label.part, label.kind, label.description);
  }
  bench::ScaleReport report(o.out, targets.context, targets.labels);
  bench::sweep(targets.targets, sweep, [&](auto rows) { report.add_step(rows); });
  report.finish(sweep.max_tokens);
}

}  // namespace

void add_scale_command(CLI::App& app) {
  auto options = std::make_shared<ScaleOptions>();
  auto* cmd = app.add_subcommand(
      "scale",
      "Measure attention runtime and peak memory against sequence length: N starts at "
      "--min-tokens and doubles until --max-tokens or until memory runs out (reported as the "
      "limit). Prints a table and writes DIR/scale.csv and DIR/scale.png");
  auto& o = *options;
  cmd->add_option("--attention", o.attention, "Attention kinds to measure, comma-separated: dense, sparse, dilated")
      ->delimiter(',')->capture_default_str();
  cmd->add_option("--mode", o.mode,
                  "core: Q, K, V to O, forward and forward+backward; layer: the attention layer "
                  "forward (QKV projections, XPOS, attention, Sub-LN, output projection); both")
      ->capture_default_str();
  cmd->add_option("--device", o.device, "cpu, cuda, or auto (cuda when a GPU is visible)")
      ->capture_default_str();
  cmd->add_option("--min-tokens", o.min_tokens, "First sequence length N (K, M, G suffixes: K = 1024)")
      ->capture_default_str();
  cmd->add_option("--max-tokens", o.max_tokens,
                  "Largest N [default: 64K on the CPU; on a GPU 1G, in effect until out of memory]");
  cmd->add_option("--dim", o.dim, "Model width E; the head dimension is E / heads")->capture_default_str();
  cmd->add_option("--heads", o.heads, "Attention heads")->capture_default_str();
  cmd->add_option("--head-dim", o.head_dim, "Head dimension [default: dim / heads]");
  cmd->add_option("--segment-lengths", o.segment_lengths, "Dilated attention segment lengths w, comma-separated")
      ->delimiter(',')->capture_default_str();
  cmd->add_option("--dilation-rates", o.dilation_rates, "Dilation rates r, one per segment length")
      ->delimiter(',')->capture_default_str();
  cmd->add_option("--sparse-block", o.sparse_block, "Sparse Transformer block length l")->capture_default_str();
  cmd->add_option("--sparse-summary", o.sparse_summary, "Sparse Transformer summary positions c per block")
      ->capture_default_str();
  cmd->add_option("--batch", o.batch, "Sequences per call")->capture_default_str();
  cmd->add_option("--warmup", o.warmup, "Untimed runs before timing each point")->capture_default_str();
  cmd->add_option("--repeats", o.repeats, "Timed runs per point; the median is reported")->capture_default_str();
  cmd->add_flag("--no-backward", o.no_backward, "Core: measure the forward pass only");
  cmd->add_flag("--cudnn-reference", o.cudnn_reference,
                "GPU core: also time cuDNN's dense causal attention on the problem each dilated "
                "call is equivalent to (per pattern, causal attentions of length w/r), the "
                "reference the dilated kernels are read against");
  cmd->add_option("--xpos-scale-base", o.xpos_scale_base,
                  "Layer: XPOS decay scale base (0 turns the decay off)")
      ->capture_default_str();
  cmd->add_option("--time-limit", o.time_limit_s,
                  "Seconds: a target stops after a point that took longer (warm-up and repeats "
                  "together); 0 for no limit")
      ->capture_default_str();
  cmd->add_option("--memory-limit", o.memory_limit,
                  "Bytes the benchmark buffers may take before N counts as out of memory "
                  "(K, M, G suffixes) [default: CPU 80% of available memory; GPU the device's]");
  cmd->add_option("--out", o.out, "Folder for scale.csv and scale.png")->capture_default_str();
  cmd->callback([options] { run_scale(*options); });
}

}  // namespace longnet::cli
