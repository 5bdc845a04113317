#pragma once
// AdamW (Loshchilov & Hutter) with PyTorch's semantics: decoupled weight decay applied to the
// parameter before the moment update, bias-corrected moments, eps added after the square root.
#include <cstdint>
#include <string>
#include <vector>

#include "optim/param_ref.h"

namespace longnet::optim {

struct AdamWOptions {
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.01f;  // applied only to parameters with decay == true
};

// A named view of one optimizer state buffer, for checkpoints: read it to save, write it to load.
struct StateBuffer {
  std::string name;  // "<param>.exp_avg" or "<param>.exp_avg_sq"
  float* data;
  int64_t size;
};

class AdamW {
 public:
  // Throws ConfigError for out-of-range options, RuntimeError for duplicate or invalid params.
  // The optimizer keeps the ParamRef pointers; they must outlive it.
  AdamW(std::vector<ParamRef> params, AdamWOptions options);

  // One update with learning rate `lr`. Gradients are multiplied by `grad_scale` as they are read
  // (the clipping coefficient from clip_grad_norm), so the gradient buffers stay untouched.
  // Parameters whose grad is nullptr are skipped, decay included; the step count still advances.
  void step(float lr, float grad_scale = 1.0f);

  int64_t steps_taken() const { return steps_; }
  void set_steps_taken(int64_t steps);  // when loading a checkpoint

  // Two buffers per parameter, in parameter order: exp_avg then exp_avg_sq.
  std::vector<StateBuffer> state_buffers();

  const std::vector<ParamRef>& params() const { return params_; }
  const AdamWOptions& options() const { return options_; }

 private:
  std::vector<ParamRef> params_;
  AdamWOptions options_;
  std::vector<std::vector<float>> exp_avg_;
  std::vector<std::vector<float>> exp_avg_sq_;
  int64_t steps_ = 0;
};

}  // namespace longnet::optim
