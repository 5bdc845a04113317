#pragma once
// The exact command line of this process, shell-quoted where needed, as recorded in run
// directories (read from /proc/self/cmdline, so it is the argv the shell passed).
#include <string>

namespace longnet::cli {

std::string current_command_line();

}  // namespace longnet::cli
