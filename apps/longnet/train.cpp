#include <memory>
#include <string>
#include <vector>

#include "command_line.h"
#include "commands.h"
#include "config/experiment.h"
#include "set_option.h"
#include "train/trainer.h"

namespace longnet::cli {
namespace {

struct TrainOptions {
  std::string config;
  std::vector<std::string> overrides;
  std::string out;
  bool resume = false;
};

// runs/<config file stem>
std::string default_run_dir(const std::string& config) {
  return (std::filesystem::path("runs") / std::filesystem::path(config).stem()).string();
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  auto* train = app.add_subcommand(
      "train",
      "Train the LongNet language model of an experiment config (docs/train.md). Progress goes "
      "to stderr, metrics to RUN_DIR/metrics.jsonl, checkpoints to RUN_DIR/checkpoints. Ctrl-C "
      "saves a checkpoint and exits 0; --resume continues bit-exactly.");
  train->add_option("config", options->config, "Experiment TOML file (see docs/config.md)")
      ->required();
  add_set_option(*train, options->overrides,
                 "Override one key, e.g. --set train.steps=100; repeatable");
  train->add_option("--out", options->out,
                    "Run directory (default runs/<config name>); refused when it already holds "
                    "a run, unless --resume");
  train->add_flag("--resume", options->resume,
                  "Continue the run in the run directory from its latest checkpoint; the config "
                  "must keep [model], [attention], the data and the batch shape");
  train->callback([options] {
    train::run_training({.config = config::load_experiment(options->config, options->overrides),
                  .run_dir = options->out.empty() ? default_run_dir(options->config)
                                                  : options->out,
                  .resume = options->resume,
                  .command_line = current_command_line()});
  });
}

}  // namespace longnet::cli
