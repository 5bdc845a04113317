#pragma once
// `longnet train`: the training loop of DESIGN.md section 4 on the CPU (the GPU path joins when
// the CUDA backend lands). Micro-batches with gradient accumulation up to train.tokens_per_step,
// AdamW with the schedule and clipping, periodic validation, checkpoints, bit-exact resume,
// Ctrl-C that saves and exits 0, and a stop with a message on a non-finite loss.
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
// saved), and the errors of common/error.h for bad input (missing data, incompatible
// checkpoint, ...).
void run_training(const TrainRequest& request);

}  // namespace longnet::train
