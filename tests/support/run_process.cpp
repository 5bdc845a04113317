#include "support/run_process.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "support/file_bytes.h"

namespace longnet::testing {

ProcessResult run_process(const std::string& command) {
  auto dir = std::filesystem::temp_directory_path() /
             ("longnet_proc_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand()));
  std::filesystem::create_directories(dir);
  const auto out = dir / "out", err = dir / "err";
  const std::string full = command + " >" + out.string() + " 2>" + err.string() + " </dev/null";
  const int status = std::system(full.c_str());
  if (status == -1) throw std::runtime_error("could not run: " + command);
  ProcessResult result{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                       read_file_bytes(out), read_file_bytes(err)};
  std::filesystem::remove_all(dir);
  return result;
}

ProcessResult run_longnet(const std::string& args) {
  // The environment may name another binary: on the GPU machine the tests run from a bundle,
  // far from the build tree they were compiled in.
  const char* bin = std::getenv("LONGNET_BIN");
  return run_process(std::string(bin && *bin ? bin : LONGNET_BIN) + " " + args);
}

}  // namespace longnet::testing
