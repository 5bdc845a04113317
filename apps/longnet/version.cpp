#include <fmt/core.h>

#include "commands.h"
#include "common/build_info.h"
#include "common/gpu_info.h"

namespace longnet::cli {

namespace {

void print_version() {
  const auto& info = build_info();
  fmt::print("longnet {} (commit {})\n", info.version, info.git_commit);
  if (!info.cuda_built) {
    fmt::print("CUDA: not built (CPU only)\n");
    return;
  }
  fmt::print("CUDA: built for {}\n", info.cuda_architectures);
  const auto gpus = visible_gpus();
  if (gpus.empty()) fmt::print("GPUs: none visible\n");
  for (const auto& gpu : gpus) {
    fmt::print("GPU {}: {} (compute {}.{}, {:.1f} GiB)\n", gpu.index, gpu.name, gpu.compute_major,
               gpu.compute_minor, gpu.memory_bytes / double(1ull << 30));
  }
}

}  // namespace

void add_version_flag(CLI::App& app) {
  app.add_flag_callback(
      "--version",
      [] {
        print_version();
        throw CLI::Success();
      },
      "Print the version, git commit, whether CUDA was built and the GPUs visible, then exit");
}

}  // namespace longnet::cli
