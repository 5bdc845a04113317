#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "device_option.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "train/evaluate.h"
#include "train/long_context_eval.h"
#include "train/eval_table.h"
#include "train/prepared_corpus.h"
#include "train/trained_run.h"

namespace longnet::cli {
namespace {

struct EvalOptions {
  std::vector<std::string> runs;
  std::vector<int64_t> lengths;
  std::string split;
  int64_t max_tokens = -1;
  std::string data;
  std::string csv, markdown;
  bool no_blockwise = false;
  bool prompting = false;
  int64_t prompt_suffix = 128, prompt_samples = 4;
  bool passkey = false;
  int64_t passkey_trials = 5;
  std::string device = "cpu";
};

const std::vector<double> kPasskeyDepths = {0.0, 0.25, 0.5, 0.75, 1.0};

std::string kind_name(config::AttentionKind kind) {
  switch (kind) {
    case config::AttentionKind::dense: return "Transformer";
    case config::AttentionKind::sparse: return "Sparse Transformer";
    case config::AttentionKind::dilated: return "LongNet";
  }
  return "?";
}

// The blockwise causal attention block for `length`, or 0 for full attention. UsageError when
// BCA would need a length that is not a whole number of training-length blocks.
int64_t attention_block(const train::TrainedRun& run, const std::string& name, int64_t length,
                        bool blockwise) {
  const int64_t trained = run.config.train.seq_len;
  if (!blockwise || length <= trained) return 0;
  if (length % trained != 0)
    fail<UsageError>("--lengths: {} is longer than the training length {} of {} but not a "
                     "multiple of it; blockwise causal attention needs whole blocks (choose a "
                     "multiple, or pass --no-blockwise)",
                     length, trained, name);
  return trained;
}

std::string model_label(const train::TrainedRun& run, const std::string& path) {
  return fmt::format("{} ({})", kind_name(run.config.attention.kind),
                     std::filesystem::path(path).filename().string());
}

// The prompting curve of each run: suffix loss against prefix length (one row per prefix).
void print_prompting(const EvalOptions& o, const std::vector<train::TrainedRun>& runs,
                     const std::vector<train::TokenStream>& streams,
                     const std::vector<int64_t>& prefixes, bool blockwise) {
  fmt::print("\n| Model | Prefix | Suffix loss | Suffix perplexity |\n"
             "| --- | ---: | ---: | ---: |\n");
  for (size_t r = 0; r < runs.size(); ++r) {
    const int64_t block = blockwise ? runs[r].config.train.seq_len : 0;
    for (const auto& point : train::prompting_curve(*runs[r].model, streams[r], prefixes,
                                                    o.prompt_suffix, o.prompt_samples, block))
      fmt::print("| {} | {} | {:.4f} | {:.2f} |\n", model_label(runs[r], o.runs[r]),
                 train::format_length(point.prefix), point.suffix_loss.mean(),
                 point.suffix_loss.perplexity());
  }
}

// Passkey retrieval accuracy: one row per run and depth, one column per prompt length.
void print_passkey(const EvalOptions& o, const std::vector<train::TrainedRun>& runs,
                   const std::vector<int64_t>& lengths, bool blockwise) {
  fmt::print("\n| Model | Depth |");
  for (int64_t length : lengths) fmt::print(" {} |", train::format_length(length));
  fmt::print("\n| --- | ---: |");
  for (size_t i = 0; i < lengths.size(); ++i) fmt::print(" ---: |");
  fmt::print("\n");
  for (size_t r = 0; r < runs.size(); ++r) {
    const int64_t block = blockwise ? runs[r].config.train.seq_len : 0;
    const auto cells = train::passkey_accuracy(*runs[r].model, runs[r].tokenizer(), lengths,
                                               kPasskeyDepths, o.passkey_trials, block);
    for (size_t d = 0; d < kPasskeyDepths.size(); ++d) {
      fmt::print("| {} | {:.2f} |", model_label(runs[r], o.runs[r]), kPasskeyDepths[d]);
      for (size_t l = 0; l < lengths.size(); ++l) {
        const auto& cell = cells[l * kPasskeyDepths.size() + d];
        fmt::print(" {}/{} |", cell.correct, cell.trials);
      }
      fmt::print("\n");
    }
  }
}

void run_eval(const EvalOptions& o) {
  std::vector<train::TrainedRun> runs;
  const train::ComputeChoice compute = compute_for(o.device);
  for (const auto& path : o.runs) runs.push_back(train::load_trained_run(path, compute));
  const config::EvalConfig& defaults = runs.front().config.eval;
  train::EvalTable table{.lengths = o.lengths.empty() ? defaults.lengths : o.lengths, .rows = {}};
  const std::string split = o.split.empty() ? defaults.split : o.split;
  const int64_t max_tokens = o.max_tokens >= 0 ? o.max_tokens : defaults.max_tokens;
  const bool blockwise = defaults.blockwise && !o.no_blockwise;
  std::vector<train::TokenStream> streams;
  for (size_t r = 0; r < runs.size(); ++r) {
    const train::TrainedRun& run = runs[r];
    for (int64_t length : table.lengths) attention_block(run, o.runs[r], length, blockwise);
    const train::PreparedCorpus corpus =
        train::open_prepared_corpus(o.data.empty() ? run.config.data.dir : o.data);
    if (corpus.tokenizer_checksum != run.tokenizer_checksum)
      fail<RuntimeError>("{} was trained with another tokenizer than the corpus in {}; pass "
                         "--data with the run's corpus",
                         o.runs[r], corpus.dir.string());
    const train::TokenStream& stream = streams.emplace_back(corpus.open_split(split));
    train::EvalRow row{.model = model_label(run, o.runs[r]),
                       .training_length = run.config.train.seq_len,
                       .perplexity = {}};
    for (int64_t length : table.lengths) {
      const auto result =
          train::evaluate_stream(*run.model, stream, length, max_tokens,
                                 attention_block(run, o.runs[r], length, blockwise));
      if (result)
        fmt::print(stderr, "eval: {} at {}: loss {:.4f}, perplexity {:.2f} over {} tokens\n",
                   o.runs[r], length, result->mean(), result->perplexity(), result->tokens);
      else
        fmt::print(stderr, "eval: {} at {}: split '{}' is shorter than one window, shown as -\n",
                   o.runs[r], length, split);
      row.perplexity.push_back(result ? std::optional(result->perplexity()) : std::nullopt);
    }
    table.rows.push_back(row);
  }
  fmt::print("{}", train::to_markdown(table));
  if (!o.markdown.empty()) write_file_atomically(o.markdown, train::to_markdown(table));
  if (!o.csv.empty()) write_file_atomically(o.csv, train::to_csv(table));
  if (o.prompting) print_prompting(o, runs, streams, table.lengths, blockwise);
  if (o.passkey) print_passkey(o, runs, table.lengths, blockwise);
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  auto* eval = app.add_subcommand(
      "eval",
      "Perplexity of trained runs at several lengths over non-overlapping windows of a split, "
      "printed as one Markdown table (the layout of the paper's Table 2). Defaults come from "
      "the first run's [eval] section.");
  eval->add_option("runs", options->runs, "Run directories (or checkpoint step directories)")
      ->required();
  eval->add_option("--lengths", options->lengths, "Evaluation lengths in tokens, e.g. 2048,8192")
      ->delimiter(',');
  eval->add_option("--split", options->split, "Split of the prepared corpus (default: test)");
  eval->add_option("--max-tokens", options->max_tokens,
                   "Tokens evaluated per length; 0 = the whole split")
      ->check(CLI::NonNegativeNumber);
  eval->add_option("--data", options->data,
                   "Prepared corpus directory (default: each run's data.dir)");
  eval->add_option("--csv", options->csv, "Also write the table as CSV to this file");
  eval->add_option("--markdown", options->markdown, "Also write the Markdown table to this file");
  eval->add_flag("--no-blockwise", options->no_blockwise,
                 "Beyond the training length, attend over the whole length instead of "
                 "blockwise causal attention");
  eval->add_flag("--prompting", options->prompting,
                 "Also print the long-context prompting curve: the loss on a fixed suffix as the "
                 "prefix before it grows through --lengths");
  eval->add_option("--prompt-suffix", options->prompt_suffix,
                   "Suffix tokens scored by --prompting")
      ->check(CLI::PositiveNumber);
  eval->add_option("--prompt-samples", options->prompt_samples,
                   "Suffixes averaged by --prompting")
      ->check(CLI::PositiveNumber);
  eval->add_flag("--passkey", options->passkey,
                 "Also print passkey retrieval accuracy at each of --lengths and depths 0, 0.25, "
                 "0.5, 0.75, 1 (needs the run's tokenizer)");
  eval->add_option("--passkey-trials", options->passkey_trials,
                   "Prompts per length and depth for --passkey")
      ->check(CLI::PositiveNumber);
  add_device_option(*eval, options->device);
  eval->callback([options] { run_eval(*options); });
}

}  // namespace longnet::cli
