// Checkpoint directories: what a save writes, what a load restores, keep-N, and damage detection.
#include <gtest/gtest.h>

#include "common/error.h"
#include "nn/lm.h"
#include "nn/optimizer_params.h"
#include "support/scratch_dir.h"
#include "train/checkpoint.h"

namespace longnet::train {
namespace {

config::ExperimentConfig tiny_config() {
  config::ExperimentConfig c;
  c.model = {.vocab_size = 20, .layers = 1, .dim = 8, .heads = 2, .ffn_dim = 16};
  c.attention.segment_lengths = {4, 8};
  c.attention.dilation_rates = {1, 2};
  return c;
}

struct Trainee {
  explicit Trainee(uint64_t seed)
      : model(tiny_config().model, tiny_config().attention, seed),
        params(model),
        adamw(params.refs(), {}) {}
  nn::LongNetLM model;
  nn::OptimizerParams params;
  optim::AdamW adamw;
};

std::vector<float> values(const nn::Module& m) {
  std::vector<float> out;
  for (const auto& p : m.named_parameters()) {
    const auto v = p.tensor.to_vector<float>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

fs::path save(const fs::path& run, Trainee& t, int64_t step, int64_t keep = 3) {
  return save_checkpoint(run, {.tensors = cpu_training_tensors(t.model, t.adamw),
                               .state = {.step = step, .data_cursor = uint64_t(step) * 4,
                                         .seed = 9},
                               .config_toml = "# config\n", .command_line = "longnet train x",
                               .tokenizer_checksum = 0xabcdef},
                         keep);
}

TEST(Checkpoint, SaveThenLoadRestoresWeightsMomentsAndState) {
  testing::ScratchDir run;
  Trainee a(1), b(2);
  for (auto& buffer : a.adamw.state_buffers())
    for (int64_t i = 0; i < buffer.size; ++i) buffer.data[i] = float(i) * 0.5f + 1;
  a.adamw.set_steps_taken(7);
  const fs::path dir = save(run.path(), a, 7);
  EXPECT_EQ(dir, run / "checkpoints/step-00000007");
  EXPECT_EQ(*latest_checkpoint(run.path()), dir);
  EXPECT_EQ(testing::read_file_bytes(dir / "command.txt"), "longnet train x\n");
  EXPECT_EQ(read_checkpoint_config(dir), "# config\n");
  EXPECT_EQ(read_checkpoint_tokenizer(dir), 0xabcdefu);

  ASSERT_NE(values(a.model), values(b.model));
  const TrainerState state =
      load_trainer_state(dir, cpu_training_tensors(b.model, b.adamw));
  b.adamw.set_steps_taken(state.step);
  EXPECT_EQ(values(a.model), values(b.model));
  EXPECT_EQ(state.step, 7);
  EXPECT_EQ(state.data_cursor, 28u);
  EXPECT_EQ(state.seed, 9u);
  EXPECT_EQ(b.adamw.steps_taken(), 7);
  const auto moments_a = a.adamw.state_buffers(), moments_b = b.adamw.state_buffers();
  for (size_t i = 0; i < moments_a.size(); ++i)
    EXPECT_TRUE(std::equal(moments_a[i].data, moments_a[i].data + moments_a[i].size,
                           moments_b[i].data)) << moments_a[i].name;

  Trainee c(3);
  load_model(dir, c.model);
  EXPECT_EQ(values(a.model), values(c.model));
}

TEST(Checkpoint, KeepsOnlyTheNewestN) {
  testing::ScratchDir run;
  Trainee a(1);
  for (int64_t step : {10, 20, 30, 40}) save(run.path(), a, step, 2);
  EXPECT_FALSE(fs::exists(checkpoint_path(run.path(), 10)));
  EXPECT_FALSE(fs::exists(checkpoint_path(run.path(), 20)));
  EXPECT_TRUE(fs::exists(checkpoint_path(run.path(), 30)));
  EXPECT_EQ(*latest_checkpoint(run.path()), checkpoint_path(run.path(), 40));
  EXPECT_EQ(testing::read_file_bytes(run / "checkpoints/latest"), "step-00000040\n");
}

TEST(Checkpoint, ADamagedFileIsDetectedByItsChecksum) {
  testing::ScratchDir run;
  Trainee a(1), b(2);
  const fs::path dir = save(run.path(), a, 5);
  std::string bytes = testing::read_file_bytes(dir / "model.safetensors");
  bytes[bytes.size() - 3] ^= 0x40;
  testing::write_file_bytes(dir / "model.safetensors", bytes);
  try {
    load_model(dir, b.model);
    FAIL() << "a damaged checkpoint loaded";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, AModelOfAnotherShapeIsRefusedByName) {
  testing::ScratchDir run;
  Trainee a(1);
  const fs::path dir = save(run.path(), a, 5);
  config::ExperimentConfig wider = tiny_config();
  wider.model.dim = 12;
  nn::LongNetLM other(wider.model, wider.attention, 1);
  EXPECT_THROW(load_model(dir, other), RuntimeError);
}

TEST(Checkpoint, NoCheckpointIsNamedAsSuch) {
  testing::ScratchDir run;
  EXPECT_FALSE(latest_checkpoint(run.path()).has_value());
  EXPECT_THROW(resolve_checkpoint(run.path()), RuntimeError);
}

}  // namespace
}  // namespace longnet::train
