#include "bench/memory_meter.h"

#include <fmt/format.h>

#include <fstream>
#include <string>

namespace longnet::bench {

void MemoryMeter::acquire(int64_t bytes, const std::string& what) {
  if (in_use_ + bytes > budget_) {
    throw OutOfMemory(fmt::format("{} needs {:.1f} MiB more, over the {:.1f} MiB budget", what,
                                  bytes / 1048576.0, budget_ / 1048576.0));
  }
  in_use_ += bytes;
  peak_ = std::max(peak_, in_use_);
}

int64_t available_host_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key, unit;
  int64_t kib = 0;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

}  // namespace longnet::bench
