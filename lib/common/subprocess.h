#pragma once
// Runs an external program (apt-get, dpkg-deb, tar) without a shell, so arguments need no quoting.
#include <string>
#include <vector>

namespace longnet {

struct CommandResult {
  int exit_code;       // 127 when the program could not be started
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv[0] (looked up in PATH) with the given arguments in `working_dir` ("" = current).
CommandResult run_command(const std::vector<std::string>& argv, const std::string& working_dir = "");

}  // namespace longnet
