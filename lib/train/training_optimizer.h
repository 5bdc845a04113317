#pragma once
// The optimizer side of a training step, whatever the device: gradients in after each
// micro-batch, the clipped global norm, the AdamW update, and the numbers a checkpoint keeps.
// On the CPU it is optim::AdamW over the model's f32 parameters (nn::OptimizerParams); on a GPU
// it is GpuAdamW (train/gpu_adamw.h, the mixed-precision policy of DESIGN.md section 4).
#include <filesystem>
#include <memory>

#include "nn/module.h"
#include "optim/adamw.h"
#include "optim/grad_clip.h"
#include "train/checkpoint.h"

namespace longnet::train {

class TrainingOptimizer {
 public:
  virtual ~TrainingOptimizer() = default;
  // After each micro-batch's backward (the gradients are in the parameters' .grad).
  virtual void add_micro_batch_grads() = 0;
  // After the last micro-batch: the global gradient norm and its clipping coefficient
  // (optim::clip_grad_norm's semantics).
  virtual optim::GradClip clip(double max_norm) = 0;
  virtual void step(float lr, float grad_scale) = 0;
  // The fp32 weights and moments as host values, current as of this call.
  virtual TrainingTensors checkpoint_tensors() = 0;
  // Restores weights, moments and the step count from a checkpoint; returns its trainer state.
  virtual TrainerState load(const std::filesystem::path& checkpoint) = 0;
};

// AdamW over `model`'s parameters on their device (the CPU, or a cuda device).
std::unique_ptr<TrainingOptimizer> make_training_optimizer(const nn::Module& model,
                                                           optim::AdamWOptions options);

}  // namespace longnet::train
