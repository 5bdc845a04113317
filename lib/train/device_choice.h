#pragma once
// Where a run computes and in which precision: train.device / train.precision (or an eval
// command's --device) resolved against the build and the GPUs it can see.
#include <string>

#include "config/experiment.h"
#include "tensor/device.h"
#include "tensor/dtype.h"

namespace longnet::train {

struct ComputeChoice {
  Device device;
  DType dtype;  // of the parameters and activations; master weights and moments are f32
};

struct GpuAvailability {
  bool cuda_built = false;
  int visible_gpus = 0;
};
// This build and this machine.
GpuAvailability gpu_availability();

// The names an error message gives the two settings ("train.device", "--device").
struct ComputeKeys {
  std::string device, precision;
};

// auto picks cuda:0 when the build has CUDA and a GPU is visible, else the CPU; precision auto is
// bf16 on the GPU and f32 on the CPU. ConfigError naming the key for cuda without a usable GPU
// and for bf16 on the CPU.
ComputeChoice resolve_compute(config::Device device, config::Precision precision,
                              const GpuAvailability& gpus, const ComputeKeys& keys);

// ConfigError naming model.dim and model.heads when the model cannot run on `choice`: the CUDA
// attention kernels take head dims 64 and 128. Checked before any compute is spent.
void check_model_runs_on(const ComputeChoice& choice, const config::ModelConfig& model);

// "cuda:0, bf16 parameters (fp32 master weights)", "cpu, f32".
std::string describe(const ComputeChoice& choice);

}  // namespace longnet::train
