#include "train/trained_run.h"

#include "train/checkpoint.h"

namespace longnet::train {

TrainedRun load_trained_run(const std::filesystem::path& path) {
  TrainedRun run;
  run.checkpoint = resolve_checkpoint(path);
  run.config = config::parse_experiment(read_checkpoint_config(run.checkpoint),
                                        (run.checkpoint / "config.toml").string());
  run.tokenizer_checksum = read_checkpoint_tokenizer(run.checkpoint);
  run.model = std::make_unique<nn::LongNetLM>(run.config.model, run.config.attention,
                                              uint64_t(run.config.train.seed));
  load_model(run.checkpoint, *run.model);
  return run;
}

}  // namespace longnet::train
