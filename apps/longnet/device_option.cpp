#include "device_option.h"

namespace longnet::cli {

void add_device_option(CLI::App& command, std::string& device) {
  command.add_option("--device", device,
                     "cpu (f32), cuda (bf16, fp32 loss), or auto (cuda when a GPU is visible)")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
}

train::ComputeChoice compute_for(const std::string& device) {
  const config::Device kind = device == "cuda"  ? config::Device::cuda
                              : device == "cpu" ? config::Device::cpu
                                                : config::Device::automatic;
  return train::resolve_compute(kind, config::Precision::automatic, train::gpu_availability(),
                                {"--device", "precision"});
}

}  // namespace longnet::cli
