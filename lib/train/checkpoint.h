#pragma once
// Checkpoints (DESIGN.md section 5; layout in docs/train.md):
//
//   RUN_DIR/checkpoints/step-00000300/model.safetensors          parameters by Module name
//                                    /trainer_state.safetensors  step, data cursor, seed, AdamW
//                                                                moments, fp32 master weights
//                                    /config.toml                the resolved config
//                                    /command.txt                the command line that wrote it
//   RUN_DIR/checkpoints/latest                                   "step-00000300\n"
//
// A step directory is filled under a temporary name and renamed into place; then `latest` is
// rewritten atomically; then all but the newest `keep` step directories are deleted. A crash at
// any point leaves `latest` naming a complete checkpoint. Every safetensors file carries a
// CRC-32C that loading verifies.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "nn/module.h"
#include "optim/adamw.h"

namespace longnet::train {

namespace fs = std::filesystem;

struct TrainerState {
  int64_t step = 0;          // optimizer steps done
  uint64_t data_cursor = 0;  // training samples consumed (train/token_stream.h)
  uint64_t seed = 0;
};

// fp32 values on the host under a name: a parameter (with its shape) or an optimizer state buffer
// ("<param>.exp_avg", flat). Read to save, written to load.
struct HostValues {
  std::string name;
  std::vector<int64_t> shape;
  float* data;
};

// What a checkpoint stores of a run's numbers: the fp32 (master) weights, in module order, and
// the optimizer moments.
struct TrainingTensors {
  std::vector<HostValues> weights;
  std::vector<HostValues> moments;
};

// A CPU run's tensors: the model's f32 parameters and the AdamW state, in place.
TrainingTensors cpu_training_tensors(const nn::Module& model, optim::AdamW& optimizer);

struct CheckpointContents {
  TrainingTensors tensors;
  TrainerState state;
  std::string config_toml;
  std::string command_line;
  uint64_t tokenizer_checksum;
};

fs::path checkpoint_path(const fs::path& run_dir, int64_t step);

// Writes the checkpoint of contents.state.step and returns its directory.
fs::path save_checkpoint(const fs::path& run_dir, const CheckpointContents& contents,
                         int64_t keep);

// The directory `latest` names, or nullopt when the run has no checkpoint. RuntimeError when
// the pointer names a directory that is missing.
std::optional<fs::path> latest_checkpoint(const fs::path& run_dir);

// The checkpoint to use for RUN_DIR: its latest one, or RUN_DIR itself when it is a step
// directory. RuntimeError naming the path when there is none.
fs::path resolve_checkpoint(const fs::path& run_or_checkpoint);

std::string read_checkpoint_config(const fs::path& checkpoint);
uint64_t read_checkpoint_tokenizer(const fs::path& checkpoint);

// Copies the weights into the model's parameters. RuntimeError naming the file and tensor for a
// checksum mismatch, a missing tensor or a shape that differs.
void load_model(const fs::path& checkpoint, const nn::Module& model);
// Restores the optimizer moments and the fp32 master weights into `into`; returns the trainer
// state (its step is the optimizer's step count).
TrainerState load_trainer_state(const fs::path& checkpoint, const TrainingTensors& into);

}  // namespace longnet::train
