#pragma once
// `longnet train`: the training loop of DESIGN.md section 4, on the CPU in f32 or on a GPU in bf16
// with fp32 master weights (train/device_choice.h, train/training_optimizer.h). Micro-batches
// with gradient accumulation up to train.tokens_per_step, AdamW with the schedule and clipping,
// periodic validation, checkpoints, bit-exact resume, Ctrl-C that saves and exits 0, and a stop
// with a message on a non-finite loss.
#include <filesystem>
#include <string>

#include "config/experiment.h"

namespace longnet::train {

struct TrainRequest {
  config::ExperimentConfig config;  // as loaded, --set overrides applied
  std::filesystem::path run_dir;
  bool resume = false;
  std::string command_line;  // recorded in the run directory and every checkpoint
};

// Test hook: when the environment variable LONGNET_TEST_NAN_AT_STEP=k is set, the loss of step k
// is taken as NaN (docs/train.md), to test how a run stops.
inline constexpr const char* kInjectNanVariable = "LONGNET_TEST_NAN_AT_STEP";

// Returns when the run finished or was interrupted (a checkpoint was saved). Throws
// RuntimeError when a non-finite loss stops it (the last good checkpoint is kept, nothing is
// saved) or when a step runs out of GPU memory (the message suggests a smaller micro-batch), and
// the errors of common/error.h for bad input (missing data, incompatible checkpoint, a device
// that is not there, ...).
void run_training(const TrainRequest& request);

}  // namespace longnet::train
