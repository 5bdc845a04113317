#include "train/trainer.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <vector>

#include "common/error.h"
#include "common/gpu_info.h"
#include "nn/lm.h"
#include "nn/optimizer_params.h"
#include "ops/backward.h"
#include "ops/cross_entropy.h"
#include "ops/elementwise.h"
#include "optim/adamw.h"
#include "optim/grad_clip.h"
#include "optim/lr_schedule.h"
#include "train/batch.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/interrupt.h"
#include "train/metrics_log.h"
#include "train/model_flops.h"
#include "train/prepared_corpus.h"
#include "train/progress_line.h"
#include "train/run_directory.h"

namespace longnet::train {
namespace {

using Clock = std::chrono::steady_clock;

void require_cpu(const config::TrainConfig& t) {
  if (t.device == config::Device::cuda || t.precision == config::Precision::bf16)
    fail<RuntimeError>(
        "train.device = \"cuda\" / train.precision = \"bf16\": training on the GPU is not "
        "available yet (the CUDA backend is not wired into the trainer); use device = \"cpu\" or "
        "\"auto\"");
  if (t.device == config::Device::automatic && !visible_gpus().empty())
    fmt::print(stderr, "train: a GPU is visible, but the trainer runs on the CPU for now\n");
}

optim::LrSchedule schedule_of(const config::TrainConfig& t) {
  const optim::ScheduleKind kind =
      t.schedule == config::Schedule::cosine     ? optim::ScheduleKind::cosine
      : t.schedule == config::Schedule::constant ? optim::ScheduleKind::constant
                                                 : optim::ScheduleKind::polynomial;
  return {.kind = kind, .peak_lr = t.lr, .min_lr = t.min_lr, .warmup_steps = t.warmup_steps,
          .total_steps = t.steps, .power = t.decay_power};
}

std::optional<int64_t> injected_nan_step() {
  const char* value = std::getenv(kInjectNanVariable);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::stoll(value);
}

class Trainer {
 public:
  explicit Trainer(const TrainRequest& request)
      : request_(request),
        config_(request.config),
        corpus_(open_prepared_corpus(config_.data.dir)),
        train_stream_(corpus_.open_split(config_.data.train_split)),
        valid_stream_(corpus_.open_split(config_.data.valid_split)) {
    resolve_vocab();
    model_ = std::make_unique<nn::LongNetLM>(config_.model, config_.attention,
                                             uint64_t(config_.train.seed));
    params_ = std::make_unique<nn::OptimizerParams>(*model_);
    const auto& t = config_.train;
    adamw_ = std::make_unique<optim::AdamW>(
        params_->refs(), optim::AdamWOptions{.beta1 = float(t.beta1), .beta2 = float(t.beta2),
                                             .eps = float(t.eps),
                                             .weight_decay = float(t.weight_decay)});
    sampler_ = std::make_unique<WindowSampler>(train_stream_, t.seq_len, uint64_t(t.seed));
    config_toml_ = config::experiment_to_toml(config_);
    state_.seed = uint64_t(t.seed);
  }

  void run() {
    const auto& t = config_.train;
    prepare_run_directory(request_.run_dir, request_.resume);
    if (request_.resume) resume();
    record_run(request_.run_dir, config_toml_, request_.command_line, corpus_.tokenizer_file());
    MetricsLog metrics(request_.run_dir / "metrics.jsonl");
    ProgressLine progress(t.log_every);
    InterruptFlag interrupt;
    const optim::LrSchedule schedule = schedule_of(t);
    const double step_flops =
        training_flops(config_.model, nn::attention_spec(config_.attention, config_.model),
                       t.seq_len, t.sequences_per_step());
    const std::optional<int64_t> nan_step = injected_nan_step();
    progress.note(fmt::format("train: {} parameters, {} steps of {} tokens, run {}",
                              model_->parameter_count(), t.steps, t.tokens_per_step,
                              request_.run_dir.string()));
    const auto start = Clock::now();
    const int64_t first_step = state_.step;
    while (state_.step < t.steps) {
      const int64_t step = state_.step + 1;
      const auto step_start = Clock::now();
      double loss = train_step(step);
      if (nan_step == step) loss = std::numeric_limits<double>::quiet_NaN();
      const optim::GradClip clip = optim::clip_grad_norm(params_->refs(), t.clip_grad_norm);
      if (!std::isfinite(loss) || !std::isfinite(clip.norm))
        stop_non_finite(step, loss, clip.norm, progress);
      const double lr = optim::learning_rate(schedule, step);
      adamw_->step(float(lr), clip.scale);
      state_.step = step;
      state_.data_cursor += uint64_t(t.sequences_per_step());

      const double seconds = std::chrono::duration<double>(Clock::now() - step_start).count();
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const StepReport report{
          .step = step, .total_steps = t.steps, .loss = loss, .lr = lr, .grad_norm = clip.norm,
          .tokens_per_second = double(t.tokens_per_step) / seconds,
          .mfu = step_flops / seconds / cpu_peak_flops(),
          .memory_bytes = peak_memory_bytes(),
          .eta_seconds = elapsed / double(step - first_step) * double(t.steps - step)};
      progress.step(report);
      if (step % t.log_every == 0 || step == t.steps)
        metrics.write({{"step", step}, {"loss", loss}, {"lr", lr}, {"grad_norm", clip.norm},
                       {"tokens_per_second", report.tokens_per_second}, {"mfu", report.mfu},
                       {"memory_bytes", report.memory_bytes}, {"elapsed_seconds", elapsed}});
      if (t.eval_every > 0 && step % t.eval_every == 0) validate(step, metrics, progress);
      if (interrupt.raised()) {
        const auto dir = save();
        progress.note(fmt::format("train: interrupted at step {}; saved {}; continue with "
                                  "--resume",
                                  step, dir.string()));
        return;
      }
      if ((t.checkpoint_every > 0 && step % t.checkpoint_every == 0) || step == t.steps)
        progress.note(fmt::format("train: saved {}", save().string()));
    }
  }

 private:
  void resolve_vocab() {
    int64_t& vocab = config_.model.vocab_size;
    if (vocab == 0) vocab = corpus_.vocab_size;
    if (vocab < corpus_.vocab_size)
      fail<ConfigError>("model.vocab_size = {} is smaller than the vocabulary of the corpus "
                        "tokenizer in {} ({}); set it to 0 to take the tokenizer's",
                        vocab, corpus_.dir.string(), corpus_.vocab_size);
  }

  void resume() {
    const fs::path checkpoint = *latest_checkpoint(request_.run_dir);
    const config::ExperimentConfig saved = config::parse_experiment(
        read_checkpoint_config(checkpoint), (checkpoint / "config.toml").string());
    check_resume_compatible(saved, config_, checkpoint);
    if (read_checkpoint_tokenizer(checkpoint) != corpus_.tokenizer_checksum)
      fail<RuntimeError>("--resume: checkpoint {} was trained with another tokenizer than the "
                         "corpus in {}",
                         checkpoint.string(), corpus_.dir.string());
    load_model(checkpoint, *model_);
    state_ = load_trainer_state(checkpoint, *model_, *adamw_);
  }

  // Forward and backward over every micro-batch of one step; returns the mean loss.
  double train_step(int64_t step) {
    const auto& t = config_.train;
    const int64_t micro_batches = t.accumulation_steps();
    std::vector<uint32_t> windows(size_t(t.micro_batch * (t.seq_len + 1)));
    double loss_sum = 0;
    for (int64_t m = 0; m < micro_batches; ++m) {
      for (int64_t b = 0; b < t.micro_batch; ++b)
        sampler_->sample(state_.data_cursor + uint64_t(m * t.micro_batch + b),
                         std::span(windows).subspan(size_t(b * (t.seq_len + 1)),
                                                    size_t(t.seq_len + 1)));
      const Batch batch = make_batch(windows, t.micro_batch);
      const uint64_t stream = (uint64_t(step) * uint64_t(micro_batches) + uint64_t(m)) << 16;
      const Tensor loss = ops::cross_entropy(
          model_->forward(batch.inputs, {.dropout = config_.model.dropout,
                                         .seed = uint64_t(t.seed), .stream = stream}),
          batch.targets);
      loss_sum += loss.item<float>();
      backward(loss * (1.0 / double(micro_batches)));
    }
    params_->gather_grads();
    return loss_sum / double(micro_batches);
  }

  [[noreturn]] void stop_non_finite(int64_t step, double loss, double norm,
                                     ProgressLine& progress) {
    const auto last = latest_checkpoint(request_.run_dir);
    progress.note("");
    fail<RuntimeError>(
        "train: stopped at step {}: the loss is {} and the gradient norm {} (not finite). The "
        "last good checkpoint is {}. Try a lower train.lr or a longer train.warmup_steps.",
        step, loss, norm, last ? last->string() : "none (nothing was saved yet)");
  }

  void validate(int64_t step, MetricsLog& metrics, ProgressLine& progress) {
    const auto& t = config_.train;
    const auto result = evaluate_stream(*model_, valid_stream_, t.seq_len, t.eval_tokens, 0);
    if (!result) {
      progress.note(fmt::format("valid: split '{}' is shorter than one window of {} tokens",
                                config_.data.valid_split, t.seq_len + 1));
      return;
    }
    progress.note(fmt::format("valid: step {} | loss {:.4f} | ppl {:.2f} | {} tokens", step,
                              result->mean(), result->perplexity(), result->tokens));
    metrics.write({{"step", step}, {"valid_loss", result->mean()},
                   {"valid_perplexity", result->perplexity()}, {"valid_tokens", result->tokens}});
  }

  fs::path save() {
    return save_checkpoint(request_.run_dir,
                           {.model = *model_, .optimizer = *adamw_, .state = state_,
                            .config_toml = config_toml_, .command_line = request_.command_line,
                            .tokenizer_checksum = corpus_.tokenizer_checksum},
                           config_.train.keep_checkpoints);
  }

  const TrainRequest& request_;
  config::ExperimentConfig config_;
  PreparedCorpus corpus_;
  TokenStream train_stream_, valid_stream_;
  std::unique_ptr<nn::LongNetLM> model_;
  std::unique_ptr<nn::OptimizerParams> params_;
  std::unique_ptr<optim::AdamW> adamw_;
  std::unique_ptr<WindowSampler> sampler_;
  TrainerState state_;
  std::string config_toml_;
};

}  // namespace

void run_training(const TrainRequest& request) {
  require_cpu(request.config.train);
  Trainer(request).run();
}

}  // namespace longnet::train
