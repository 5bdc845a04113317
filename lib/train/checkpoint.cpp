#include "train/checkpoint.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/hash.h"
#include "train/safetensors.h"

namespace longnet::train {
namespace {

constexpr const char* kModelFile = "model.safetensors";
constexpr const char* kStateFile = "trainer_state.safetensors";
constexpr const char* kConfigFile = "config.toml";
constexpr const char* kCommandFile = "command.txt";
constexpr const char* kLatestFile = "latest";
constexpr const char* kTokenizerKey = "longnet.tokenizer_checksum";
constexpr std::string_view kStepPrefix = "step-";

fs::path checkpoints_dir(const fs::path& run_dir) { return run_dir / "checkpoints"; }

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail<RuntimeError>("cannot read {}", path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void copy_into(const safetensors::TensorView& from, const Shape& shape, float* to,
               const fs::path& file) {
  if (from.shape != shape)
    fail<RuntimeError>("{}: tensor {} has shape {}, the model expects {}; the checkpoint was "
                       "written for another model config",
                       file.string(), from.name, shape_string(from.shape), shape_string(shape));
  const auto values = from.f32();
  std::copy(values.begin(), values.end(), to);
}

void copy_into(const safetensors::TensorView& from, float* to, int64_t size,
               const fs::path& file) {
  if (from.numel() != size)
    fail<RuntimeError>("{}: tensor {} has {} values, expected {}", file.string(), from.name,
                       from.numel(), size);
  const auto values = from.f32();
  std::copy(values.begin(), values.end(), to);
}

int64_t scalar_i64(const safetensors::File& file, std::string_view name) {
  const auto& t = file.at(name);
  if (t.dtype != safetensors::DType::I64 || t.bytes.size() != sizeof(int64_t))
    fail<RuntimeError>("{}: {} is not one I64 value", file.path().string(), name);
  int64_t value;
  std::memcpy(&value, t.bytes.data(), sizeof value);
  return value;
}

}  // namespace

TrainingTensors cpu_training_tensors(const nn::Module& model, optim::AdamW& optimizer) {
  TrainingTensors tensors;
  for (const auto& p : model.named_parameters())
    tensors.weights.push_back({p.name, p.tensor.shape(), p.tensor.data<float>()});
  for (const auto& buffer : optimizer.state_buffers())
    tensors.moments.push_back({buffer.name, {buffer.size}, buffer.data});
  return tensors;
}

fs::path checkpoint_path(const fs::path& run_dir, int64_t step) {
  return checkpoints_dir(run_dir) / fmt::format("{}{:08}", kStepPrefix, step);
}

fs::path save_checkpoint(const fs::path& run_dir, const CheckpointContents& c, int64_t keep) {
  const fs::path final_dir = checkpoint_path(run_dir, c.state.step);
  const fs::path partial = fs::path(final_dir.string() + ".partial");
  fs::remove_all(partial);
  fs::create_directories(partial);

  std::vector<safetensors::TensorData> weights;
  for (const auto& w : c.tensors.weights)
    weights.push_back({w.name, safetensors::DType::F32, w.shape, w.data});
  safetensors::write_file(partial / kModelFile, weights,
                          {{kTokenizerKey, hex64(c.tokenizer_checksum)},
                           {"longnet.step", std::to_string(c.state.step)}});

  const int64_t scalars[3] = {c.state.step, int64_t(c.state.data_cursor), int64_t(c.state.seed)};
  std::vector<safetensors::TensorData> state = {
      {"step", safetensors::DType::I64, {}, &scalars[0]},
      {"data_cursor", safetensors::DType::I64, {}, &scalars[1]},
      {"seed", safetensors::DType::I64, {}, &scalars[2]}};
  for (const auto& m : c.tensors.moments)
    state.push_back({"optimizer." + m.name, safetensors::DType::F32, m.shape, m.data});
  for (const auto& w : c.tensors.weights)
    state.push_back({"master." + w.name, safetensors::DType::F32, w.shape, w.data});
  safetensors::write_file(partial / kStateFile, state);
  write_file_atomically(partial / kConfigFile, c.config_toml);
  write_file_atomically(partial / kCommandFile, c.command_line + "\n");

  fs::remove_all(final_dir);  // a checkpoint of this step from before a resume
  fs::rename(partial, final_dir);
  write_file_atomically(checkpoints_dir(run_dir) / kLatestFile,
                        final_dir.filename().string() + "\n");

  std::vector<fs::path> steps;
  for (const auto& entry : fs::directory_iterator(checkpoints_dir(run_dir))) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.starts_with(kStepPrefix) && !name.ends_with(".partial"))
      steps.push_back(entry.path());
  }
  std::sort(steps.begin(), steps.end());  // zero-padded step numbers sort by step
  for (size_t i = 0; i + size_t(keep) < steps.size(); ++i)
    if (steps[i] != final_dir) fs::remove_all(steps[i]);
  return final_dir;
}

std::optional<fs::path> latest_checkpoint(const fs::path& run_dir) {
  const fs::path pointer = checkpoints_dir(run_dir) / kLatestFile;
  if (!fs::exists(pointer)) return std::nullopt;
  std::string name = read_text(pointer);
  while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
  const fs::path dir = checkpoints_dir(run_dir) / name;
  if (name.empty() || !fs::is_directory(dir))
    fail<RuntimeError>("{} names checkpoint '{}', which does not exist", pointer.string(), name);
  return dir;
}

fs::path resolve_checkpoint(const fs::path& path) {
  if (fs::exists(path / kModelFile)) return path;
  if (!fs::is_directory(path))
    fail<RuntimeError>("{}: no such run directory", path.string());
  if (const auto latest = latest_checkpoint(path)) return *latest;
  fail<RuntimeError>("{} holds no checkpoint ({} is missing); train first with `longnet train`",
                     path.string(), (checkpoints_dir(path) / kLatestFile).string());
}

std::string read_checkpoint_config(const fs::path& checkpoint) {
  return read_text(checkpoint / kConfigFile);
}

uint64_t read_checkpoint_tokenizer(const fs::path& checkpoint) {
  const safetensors::File file(checkpoint / kModelFile);
  const auto it = file.metadata().find(kTokenizerKey);
  if (it == file.metadata().end())
    fail<RuntimeError>("{}: metadata lacks {}", file.path().string(), kTokenizerKey);
  return std::stoull(it->second, nullptr, 16);
}

void load_model(const fs::path& checkpoint, const nn::Module& model) {
  const safetensors::File file(checkpoint / kModelFile);
  for (const auto& p : model.named_parameters()) {
    if (p.tensor.dtype() != DType::f32 || !p.tensor.device().is_cpu())
      fail<RuntimeError>("load_model: {} must be an f32 cpu tensor", p.name);
    copy_into(file.at(p.name), p.tensor.shape(), p.tensor.data<float>(), file.path());
  }
}

TrainerState load_trainer_state(const fs::path& checkpoint, const TrainingTensors& into) {
  const safetensors::File file(checkpoint / kStateFile);
  TrainerState state{.step = scalar_i64(file, "step"),
                     .data_cursor = uint64_t(scalar_i64(file, "data_cursor")),
                     .seed = uint64_t(scalar_i64(file, "seed"))};
  for (const auto& m : into.moments)
    copy_into(file.at("optimizer." + m.name), m.data, shape_numel(m.shape), file.path());
  for (const auto& w : into.weights)
    copy_into(file.at("master." + w.name), w.shape, w.data, file.path());
  return state;
}

}  // namespace longnet::train
