#include "train/device_choice.h"

#include <fmt/format.h>

#include "attention/cuda/attention_cuda.h"
#include "common/build_info.h"
#include "common/error.h"
#include "common/gpu_info.h"

namespace longnet::train {

GpuAvailability gpu_availability() {
  return {.cuda_built = build_info().cuda_built, .visible_gpus = int(visible_gpus().size())};
}

ComputeChoice resolve_compute(config::Device device, config::Precision precision,
                              const GpuAvailability& gpus, const ComputeKeys& keys) {
  const bool gpu = gpus.cuda_built && gpus.visible_gpus > 0;
  if (device == config::Device::cuda && !gpu)
    fail<ConfigError>("{} = \"cuda\": {}; use \"cpu\" or \"auto\"", keys.device,
                      gpus.cuda_built ? "no GPU is visible"
                                      : "this longnet was built without CUDA");
  const bool on_gpu = device == config::Device::cuda || (device == config::Device::automatic && gpu);
  if (!on_gpu && precision == config::Precision::bf16)
    fail<ConfigError>("{} = \"bf16\" needs the GPU ({} resolves to the cpu); use \"f32\" or "
                      "\"auto\"",
                      keys.precision, keys.device);
  const bool bf16 = precision == config::Precision::bf16 ||
                    (precision == config::Precision::automatic && on_gpu);
  return {.device = on_gpu ? Device::cuda(0) : Device::cpu(),
          .dtype = bf16 ? DType::bf16 : DType::f32};
}

void check_model_runs_on(const ComputeChoice& choice, const config::ModelConfig& model) {
  if (choice.device.is_cpu() || model.heads <= 0) return;
  const int64_t head_dim = model.dim / model.heads;
  if (!attention::cuda_head_dim_supported(head_dim))
    fail<ConfigError>("model.dim = {} over model.heads = {} gives heads of {}: the CUDA attention "
                      "kernels take heads of 64 or 128; change model.heads (or run on the cpu)",
                      model.dim, model.heads, head_dim);
}

std::string describe(const ComputeChoice& choice) {
  if (choice.dtype == DType::bf16)
    return fmt::format("{}, bf16 parameters and activations (fp32 master weights, moments and loss)",
                       to_string(choice.device));
  return fmt::format("{}, {}", to_string(choice.device), dtype_name(choice.dtype));
}

}  // namespace longnet::train
