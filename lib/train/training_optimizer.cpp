#include "train/training_optimizer.h"

#include "nn/optimizer_params.h"
#include "train/gpu_adamw.h"

namespace longnet::train {
namespace {

// The CPU path: gradients accumulate in .grad over the micro-batches and are gathered once.
class CpuOptimizer final : public TrainingOptimizer {
 public:
  CpuOptimizer(const nn::Module& model, optim::AdamWOptions options)
      : model_(model), params_(model), adamw_(params_.refs(), options) {}

  void add_micro_batch_grads() override {}
  optim::GradClip clip(double max_norm) override {
    params_.gather_grads();
    return optim::clip_grad_norm(params_.refs(), max_norm);
  }
  void step(float lr, float grad_scale) override { adamw_.step(lr, grad_scale); }
  TrainingTensors checkpoint_tensors() override { return cpu_training_tensors(model_, adamw_); }
  TrainerState load(const std::filesystem::path& checkpoint) override {
    load_model(checkpoint, model_);
    const TrainerState state = load_trainer_state(checkpoint, cpu_training_tensors(model_, adamw_));
    adamw_.set_steps_taken(state.step);
    return state;
  }

 private:
  const nn::Module& model_;
  nn::OptimizerParams params_;
  optim::AdamW adamw_;
};

bool on_cpu(const nn::Module& model) {
  const auto params = model.named_parameters();
  return params.empty() || params.front().tensor.device().is_cpu();
}

}  // namespace

std::unique_ptr<TrainingOptimizer> make_training_optimizer(const nn::Module& model,
                                                           optim::AdamWOptions options) {
  if (on_cpu(model)) return std::make_unique<CpuOptimizer>(model, options);
  return std::make_unique<GpuAdamW>(model, options);
}

}  // namespace longnet::train
