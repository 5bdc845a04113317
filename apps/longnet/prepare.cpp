// `longnet prepare RECIPE.toml [--out DIR]` and `longnet prepare --info DIR`.
#include <fmt/core.h>

#include "commands.h"
#include "common/error.h"
#include "data/prepare.h"
#include "set_option.h"

namespace longnet::cli {

namespace {

struct PrepareArgs {
  std::string recipe;
  std::string out;
  std::string info;
  std::vector<std::string> overrides;
  int threads = 0;
};

void run_prepare(const PrepareArgs& args) {
  if (!args.info.empty()) {
    if (!args.recipe.empty()) fail<UsageError>("give either a RECIPE or --info DIR, not both");
    const auto manifest = data::read_manifest(args.info);
    data::verify_prepared(args.info, manifest);
    fmt::print("{}shards and tokenizer verified\n", data::describe_manifest(manifest));
    return;
  }
  if (args.recipe.empty()) fail<UsageError>("prepare needs a RECIPE.toml (or --info DIR); see `longnet prepare --help`");
  const auto recipe = data::load_recipe(args.recipe, args.overrides);
  const auto outcome = data::prepare_corpus(recipe, {args.out, args.threads, args.recipe});
  fmt::print("{}\n", outcome.out.string());
}

}  // namespace

void add_prepare_command(CLI::App& app) {
  auto args = std::make_shared<PrepareArgs>();
  auto* cmd = app.add_subcommand(
      "prepare",
      "Build a corpus from a recipe: fetch the source, train the SentencePiece tokenizer, encode "
      "train/valid/test token shards and write manifest.json. Stages that are up to date are not "
      "redone. Prints the output folder.");
  cmd->add_option("recipe", args->recipe, "Corpus recipe (data/*.toml; keys in docs/data.md)");
  cmd->add_option("--out", args->out, "Output folder (default: the recipe's output, cache/data/<name>)");
  cmd->add_option("--threads", args->threads, "Encoding and training threads (default: every core)")
      ->check(CLI::NonNegativeNumber);
  add_set_option(*cmd, args->overrides,
                 "Override one recipe key, e.g. --set tokenizer.vocab_size=8000; repeatable");
  cmd->add_option("--info", args->info, "Verify a prepared folder (checksums of shards and tokenizer) and print its manifest's statistics");
  cmd->callback([args] { run_prepare(*args); });
}

}  // namespace longnet::cli
