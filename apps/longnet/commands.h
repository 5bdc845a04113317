#pragma once
// Each subcommand registers its options and its callback on the root app. A callback reports
// failure by throwing one of the errors of common/error.h; main turns that into the exit code.
#include <CLI/CLI.hpp>

namespace longnet::cli {

void add_version_flag(CLI::App& app);
void add_check_command(CLI::App& app);  // longnet check CONFIG [--set KEY=VALUE ...]
void add_prepare_command(CLI::App& app);  // longnet prepare RECIPE [--out DIR] | --info DIR

}  // namespace longnet::cli
