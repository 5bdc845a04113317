#include "train/trainer.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <vector>

#include "common/error.h"
#include "nn/lm.h"
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/cross_entropy.h"
#include "ops/cuda/device_context.h"
#include "ops/cuda/gemm.h"
#include "ops/elementwise.h"
#include "optim/lr_schedule.h"
#include "train/batch.h"
#include "train/checkpoint.h"
#include "train/device_choice.h"
#include "train/device_meter.h"
#include "train/evaluate.h"
#include "train/interrupt.h"
#include "train/metrics_log.h"
#include "train/model_flops.h"
#include "train/out_of_memory.h"
#include "train/prepared_corpus.h"
#include "train/progress_line.h"
#include "train/run_directory.h"
#include "train/training_optimizer.h"

namespace longnet::train {
namespace {

using Clock = std::chrono::steady_clock;

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
  Trainer(const TrainRequest& request, ComputeChoice compute)
      : request_(request),
        config_(request.config),
        compute_(compute),
        corpus_(open_prepared_corpus(config_.data.dir)),
        train_stream_(corpus_.open_split(config_.data.train_split)),
        valid_stream_(corpus_.open_split(config_.data.valid_split)) {
    resolve_vocab();
    // Timing cuBLASLt's candidates picks faster GEMMs, but a pick by timing may differ between
    // processes (and so the last bits of a loss curve): only when determinism is not asked for.
    if (!compute_.device.is_cpu() && !config_.train.deterministic)
      cuda::set_gemm_autotune(cuda::DeviceContext::get(compute_.device.index), true);
    model_ = std::make_unique<nn::LongNetLM>(
        config_.model, config_.attention, uint64_t(config_.train.seed),
        nn::TensorOptions{.dtype = compute_.dtype, .device = compute_.device});
    const auto& t = config_.train;
    optimizer_ = make_training_optimizer(
        *model_, optim::AdamWOptions{.beta1 = float(t.beta1), .beta2 = float(t.beta2),
                                     .eps = float(t.eps), .weight_decay = float(t.weight_decay)});
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
    progress.note(fmt::format("train: {} parameters, {} steps of {} tokens, on {}, run {}",
                              model_->parameter_count(), t.steps, t.tokens_per_step,
                              describe(compute_), request_.run_dir.string()));
    const double peak = peak_flops(compute_.device);
    const auto start = Clock::now();
    const int64_t first_step = state_.step;
    while (state_.step < t.steps) {
      const int64_t step = state_.step + 1;
      const auto step_start = Clock::now();
      double loss = train_step(step);
      if (nan_step == step) loss = std::numeric_limits<double>::quiet_NaN();
      const optim::GradClip clip = optimizer_->clip(t.clip_grad_norm);
      if (!std::isfinite(loss) || !std::isfinite(clip.norm))
        stop_non_finite(step, loss, clip.norm, progress);
      const double lr = optim::learning_rate(schedule, step);
      optimizer_->step(float(lr), clip.scale);
      synchronize(compute_.device);
      state_.step = step;
      state_.data_cursor += uint64_t(t.sequences_per_step());

      const double seconds = std::chrono::duration<double>(Clock::now() - step_start).count();
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const StepReport report{
          .step = step, .total_steps = t.steps, .loss = loss, .lr = lr, .grad_norm = clip.norm,
          .tokens_per_second = double(t.tokens_per_step) / seconds,
          .mfu = step_flops / seconds / peak,
          .memory_bytes = peak_device_memory(compute_.device),
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
    state_ = optimizer_->load(checkpoint);
  }

  // Forward and backward over every micro-batch of one step; returns the mean loss. Running
  // out of device memory becomes a message that names the sizes to shrink.
  double train_step(int64_t step) {
    const auto& t = config_.train;
    try {
      return accumulate_gradients(step);
    } catch (const RuntimeError& e) {
      if (compute_.device.is_cpu() || !is_out_of_memory(e.what())) throw;
      fail<RuntimeError>("{}", out_of_memory_advice(e.what(), t.micro_batch, t.seq_len));
    }
  }

  double accumulate_gradients(int64_t step) {
    const auto& t = config_.train;
    const int64_t micro_batches = t.accumulation_steps();
    std::vector<uint32_t> windows(size_t(t.micro_batch * (t.seq_len + 1)));
    std::vector<Tensor> losses;  // read after the last micro-batch: no device sync in between
    for (int64_t m = 0; m < micro_batches; ++m) {
      for (int64_t b = 0; b < t.micro_batch; ++b)
        sampler_->sample(state_.data_cursor + uint64_t(m * t.micro_batch + b),
                         std::span(windows).subspan(size_t(b * (t.seq_len + 1)),
                                                    size_t(t.seq_len + 1)));
      const Batch batch = make_batch(windows, t.micro_batch);
      const uint64_t stream = (uint64_t(step) * uint64_t(micro_batches) + uint64_t(m)) << 16;
      const Tensor loss = ops::cross_entropy(
          model_->forward(ops::to_device(batch.inputs, compute_.device),
                          {.dropout = config_.model.dropout, .seed = uint64_t(t.seed),
                           .stream = stream, .deterministic_attention = t.deterministic}),
          ops::to_device(batch.targets, compute_.device));
      losses.push_back(loss.detach());
      backward(loss * (1.0 / double(micro_batches)));
      optimizer_->add_micro_batch_grads();
    }
    double loss_sum = 0;
    for (const Tensor& loss : losses)
      loss_sum += ops::to_device(loss, Device::cpu()).item<float>();
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
                           {.tensors = optimizer_->checkpoint_tensors(), .state = state_,
                            .config_toml = config_toml_, .command_line = request_.command_line,
                            .tokenizer_checksum = corpus_.tokenizer_checksum},
                           config_.train.keep_checkpoints);
  }

  const TrainRequest& request_;
  config::ExperimentConfig config_;
  ComputeChoice compute_;
  PreparedCorpus corpus_;
  TokenStream train_stream_, valid_stream_;
  std::unique_ptr<nn::LongNetLM> model_;
  std::unique_ptr<TrainingOptimizer> optimizer_;
  std::unique_ptr<WindowSampler> sampler_;
  TrainerState state_;
  std::string config_toml_;
};

}  // namespace

void run_training(const TrainRequest& request) {
  const auto& t = request.config.train;
  const ComputeChoice compute =
      resolve_compute(t.device, t.precision, gpu_availability(), {"train.device", "train.precision"});
  check_model_runs_on(compute, request.config.model);
  Trainer(request, compute).run();
}

}  // namespace longnet::train
