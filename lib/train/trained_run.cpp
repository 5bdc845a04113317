#include "train/trained_run.h"

#include "common/error.h"
#include "train/checkpoint.h"

namespace longnet::train {

TrainedRun load_trained_run(const std::filesystem::path& path) {
  TrainedRun run;
  run.checkpoint = resolve_checkpoint(path);
  run.run_dir = run.checkpoint.parent_path().parent_path();
  run.config = config::parse_experiment(read_checkpoint_config(run.checkpoint),
                                        (run.checkpoint / "config.toml").string());
  run.tokenizer_checksum = read_checkpoint_tokenizer(run.checkpoint);
  run.model = std::make_unique<nn::LongNetLM>(run.config.model, run.config.attention,
                                              uint64_t(run.config.train.seed));
  load_model(run.checkpoint, *run.model);
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
