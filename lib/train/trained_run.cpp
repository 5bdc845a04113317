#include "train/trained_run.h"

#include "common/error.h"
#include "ops/backend.h"
#include "ops/create.h"
#include "train/checkpoint.h"

namespace longnet::train {

TrainedRun load_trained_run(const std::filesystem::path& path, const ComputeChoice& compute) {
  TrainedRun run;
  run.checkpoint = resolve_checkpoint(path);
  run.run_dir = run.checkpoint.parent_path().parent_path();
  run.config = config::parse_experiment(read_checkpoint_config(run.checkpoint),
                                        (run.checkpoint / "config.toml").string());
  run.tokenizer_checksum = read_checkpoint_tokenizer(run.checkpoint);
  check_model_runs_on(compute, run.config.model);
  run.model = std::make_unique<nn::LongNetLM>(run.config.model, run.config.attention,
                                              uint64_t(run.config.train.seed));
  load_model(run.checkpoint, *run.model);
  if (compute.device.is_cpu() && compute.dtype == DType::f32) return run;
  auto placed = std::make_unique<nn::LongNetLM>(
      run.config.model, run.config.attention, uint64_t(run.config.train.seed),
      nn::TensorOptions{.dtype = compute.dtype, .device = compute.device});
  const auto from = run.model->named_parameters(), to = placed->named_parameters();
  for (size_t i = 0; i < from.size(); ++i)
    ops::backend_for(compute.device).copy(ops::to_device(from[i].tensor, compute.device),
                                          to[i].tensor);
  run.model = std::move(placed);
  return run;
}

data::Tokenizer TrainedRun::tokenizer() const {
  const auto file = run_dir / "tokenizer.model";
  if (!std::filesystem::exists(file))
    fail<RuntimeError>("{} is missing: the run's tokenizer is needed to read text",
                       file.string());
  data::Tokenizer tokenizer = data::Tokenizer::load(file);
  if (tokenizer.checksum() != tokenizer_checksum)
    fail<RuntimeError>("{} is not the tokenizer the run was trained with (checksum differs)",
                       file.string());
  return tokenizer;
}

}  // namespace longnet::train
