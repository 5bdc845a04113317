#pragma once
// AdamW for a model whose parameters live on a GPU, with the mixed-precision policy of DESIGN.md
// section 4: per parameter an fp32 gradient accumulator, fp32 master weights (the parameter
// itself when it is f32) and fp32 moments, all on the parameter's device. The update is
// optim::AdamW's (PyTorch's) and the clipping optim::clip_grad_norm's; the norm is the
// deterministic one of ops/cuda/grad_norm.h, so one seed gives the same bits on the same GPU.
#include <cstdint>
#include <vector>

#include "train/training_optimizer.h"

namespace longnet::train {

class GpuAdamW final : public TrainingOptimizer {
 public:
  // The parameters must be contiguous f32 or bf16 tensors on one cuda device; the masters start
  // as their values.
  GpuAdamW(const nn::Module& model, optim::AdamWOptions options);

  // Adds every parameter's .grad into its fp32 accumulator and clears .grad.
  void add_micro_batch_grads() override;
  // The deterministic norm of the accumulators (waits for the device), then clip_for_norm.
  optim::GradClip clip(double max_norm) override;
  // AdamW from the accumulators times grad_scale; writes the masters and the parameters (rounded
  // to nearest even when bf16) and zeroes the accumulators.
  void step(float lr, float grad_scale) override;
  // Host copies of the masters (under the parameter names) and the moments.
  TrainingTensors checkpoint_tensors() override;
  // Masters and moments from the checkpoint's trainer state; the parameters = masters rounded.
  TrainerState load(const std::filesystem::path& checkpoint) override;

 private:
  struct Slot {
    Tensor param, master, exp_avg, exp_avg_sq, grad_sum;  // master is param when param is f32
    bool decay;
  };
  void allocate_host();

  std::vector<Slot> slots_;
  optim::AdamWOptions options_;
  int64_t steps_ = 0;
  Tensor norm_;  // one f32 on the device
  std::vector<std::vector<float>> host_values_;
  TrainingTensors host_;  // views of host_values_ once allocated
};

}  // namespace longnet::train
