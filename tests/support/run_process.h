#pragma once
// Runs a command line through the shell and captures its exit code, stdout and stderr, so that
// tests can check the `longnet` binary exactly as a user runs it.
#include <string>

namespace longnet::testing {

struct ProcessResult {
  int exit_code;
  std::string out;
  std::string err;
};

ProcessResult run_process(const std::string& command);

// Runs the built `longnet` binary (or the one $LONGNET_BIN names) with `args` appended, already
// shell-quoted as needed.
ProcessResult run_longnet(const std::string& args);

}  // namespace longnet::testing
