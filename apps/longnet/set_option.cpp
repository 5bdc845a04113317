#include "set_option.h"

namespace longnet::cli {

void add_set_option(CLI::App& command, std::vector<std::string>& overrides,
                    const std::string& description) {
  command.add_option("--set", overrides, description)
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);  // one KEY=VALUE per --set, so the positional file is not taken
}

}  // namespace longnet::cli
