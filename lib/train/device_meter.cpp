#include "train/device_meter.h"

#include <limits>
#include <string>

#include "common/gpu_info.h"
#include "ops/cuda/device_context.h"
#include "train/model_flops.h"
#include "train/progress_line.h"

namespace longnet::train {

void synchronize(Device device) {
  if (!device.is_cpu()) cuda::DeviceContext::get(device.index).synchronize();
}

int64_t peak_device_memory(Device device) {
  if (device.is_cpu()) return peak_memory_bytes();
  return cuda::DeviceContext::get(device.index).memory().stats().peak_in_use;
}

double peak_flops(Device device) {
  if (device.is_cpu()) return cpu_peak_flops();
  for (const GpuInfo& gpu : visible_gpus()) {
    if (gpu.index != device.index) continue;
    if (gpu.name.find("H100") != std::string::npos || gpu.name.find("H200") != std::string::npos)
      return 989.4e12;
    if (gpu.name.find("A100") != std::string::npos) return 312e12;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace longnet::train
