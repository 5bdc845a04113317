#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "device_option.h"
#include "common/error.h"
#include "data/tokenizer.h"
#include "train/evaluate.h"
#include "train/trained_run.h"

namespace longnet::cli {
namespace {

struct PerplexityOptions {
  std::string run;
  std::vector<std::string> files;
  int64_t length = 0;
  std::string device = "cpu";
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail<RuntimeError>("{}: cannot read the file", path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void run_perplexity(const PerplexityOptions& o) {
  const train::TrainedRun run = train::load_trained_run(o.run, compute_for(o.device));
  const data::Tokenizer tokenizer = run.tokenizer();
  const int64_t length = o.length > 0 ? o.length : run.config.train.seq_len;
  fmt::print("| File | Tokens | Loss | Perplexity |\n| --- | ---: | ---: | ---: |\n");
  train::LossSum total;
  for (const auto& file : o.files) {
    const std::vector<uint32_t> ids = tokenizer.encode(read_file(file));
    if (ids.size() < 2) {
      fmt::print("| {} | {} | - | - |\n", file, ids.size());
      continue;
    }
    const train::LossSum sum = train::evaluate_tokens(*run.model, ids, length);
    fmt::print("| {} | {} | {:.4f} | {:.2f} |\n", file, sum.tokens, sum.mean(), sum.perplexity());
    total.total += sum.total;
    total.tokens += sum.tokens;
  }
  if (total.tokens > 0)
    fmt::print("| total | {} | {:.4f} | {:.2f} |\n", total.tokens, total.mean(),
               total.perplexity());
}

}  // namespace

void add_perplexity_command(CLI::App& app) {
  auto options = std::make_shared<PerplexityOptions>();
  auto* perplexity = app.add_subcommand(
      "perplexity",
      "Perplexity of a trained run on text files, tokenized with the run's tokenizer: one row "
      "per file and the total, in windows of the training length.");
  perplexity->add_option("run", options->run, "Run directory (or checkpoint step directory)")
      ->required();
  perplexity->add_option("files", options->files, "Text files")->required();
  perplexity->add_option("--length", options->length,
                         "Window length in tokens (default: the training length)")
      ->check(CLI::PositiveNumber);
  add_device_option(*perplexity, options->device);
  perplexity->callback([options] { run_perplexity(*options); });
}

}  // namespace longnet::cli
