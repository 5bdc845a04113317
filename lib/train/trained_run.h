#pragma once
// A run directory (or one of its step directories) opened for evaluation: the config the
// checkpoint was trained with and the model with its weights.
#include <cstdint>
#include <filesystem>
#include <memory>

#include "config/experiment.h"
#include "data/tokenizer.h"
#include "nn/lm.h"
#include "train/device_choice.h"

namespace longnet::train {

struct TrainedRun {
  std::filesystem::path run_dir;
  std::filesystem::path checkpoint;  // RUN_DIR/checkpoints/step-N
  config::ExperimentConfig config;
  uint64_t tokenizer_checksum = 0;
  std::unique_ptr<nn::LongNetLM> model;

  // RUN_DIR/tokenizer.model, checked against the checkpoint; RuntimeError when missing or
  // another tokenizer.
  data::Tokenizer tokenizer() const;
};

// RuntimeError naming the path when there is no checkpoint or it is damaged. The model is built
// on `compute` (on a GPU in bf16: the checkpoint's fp32 weights rounded).
TrainedRun load_trained_run(const std::filesystem::path& run_or_checkpoint,
                            const ComputeChoice& compute = {Device::cpu(), DType::f32});

}  // namespace longnet::train
