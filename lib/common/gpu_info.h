#pragma once
// The GPUs this process can see. Empty in a build without CUDA or on a machine without a GPU.
#include <cstdint>
#include <string>
#include <vector>

namespace longnet {

struct GpuInfo {
  int index;
  std::string name;
  int compute_major, compute_minor;
  int64_t memory_bytes;
};

std::vector<GpuInfo> visible_gpus();

}  // namespace longnet
