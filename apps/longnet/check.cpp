#include <fmt/core.h>

#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "config/experiment.h"
#include "set_option.h"

namespace longnet::cli {

namespace {

struct CheckOptions {
  std::string config;
  std::vector<std::string> overrides;
};

}  // namespace

void add_check_command(CLI::App& app) {
  auto options = std::make_shared<CheckOptions>();
  auto* check = app.add_subcommand(
      "check",
      "Validate an experiment config and print it resolved (defaults filled in, --set applied) "
      "as TOML. Errors name the file, line, column and key, and exit 2.");
  check->add_option("config", options->config, "Experiment TOML file (see docs/config.md)")
      ->required();
  add_set_option(*check, options->overrides,
                 "Override one key, e.g. --set train.lr=3e-4 or "
                 "--set attention.segment_lengths=[1024,2048]; repeatable");
  check->callback([options] {
    auto config = config::load_experiment(options->config, options->overrides);
    fmt::print("{}", config::experiment_to_toml(config));
  });
}

}  // namespace longnet::cli
