#pragma once
// The repeatable `--set KEY=VALUE` option of the commands that read a config or recipe file.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace longnet::cli {

// Registers `--set` on `command`, collecting each KEY=VALUE into `overrides`. `description` is the
// help text (with an example key of that command).
void add_set_option(CLI::App& command, std::vector<std::string>& overrides,
                    const std::string& description);

}  // namespace longnet::cli
