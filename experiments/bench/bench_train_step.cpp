// The time breakdown of one GPU training step (issue 4): the model, precision and batch shape of
// an experiment file, random tokens (no corpus needed), and each phase of the trainer's step
// timed with device events on the device's stream: data copy, forward, loss, backward, gradient
// accumulation (per micro-batch, summed over the step), then norm + clipping + AdamW. The phases
// are timed one after another (each waits for the device), so their sum is a little above the
// trainer's own step time, which is printed beside it (a device sync only at the end).
//
//   bench_train_step EXPERIMENT.toml [--set KEY=VALUE]... [--steps N] [--warmup W]
#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "bench/cuda/device.h"
#include "bench/timing.h"
#include "common/error.h"
#include "nn/lm.h"
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/cross_entropy.h"
#include "ops/cuda/device_context.h"
#include "ops/elementwise.h"
#include "optim/lr_schedule.h"
#include "train/batch.h"
#include "train/device_choice.h"
#include "train/device_meter.h"
#include "train/model_flops.h"
#include "train/training_optimizer.h"

namespace longnet {
namespace {

struct Args {
  std::string config;
  std::vector<std::string> overrides;
  int steps = 6, warmup = 2;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--set" && has_value) a.overrides.push_back(argv[++i]);
    else if (arg == "--steps" && has_value) a.steps = std::atoi(argv[++i]);
    else if (arg == "--warmup" && has_value) a.warmup = std::atoi(argv[++i]);
    else if (a.config.empty()) a.config = arg;
    else fail<UsageError>("unexpected argument {}", arg);
  }
  if (a.config.empty() || a.steps < 1)
    fail<UsageError>("usage: bench_train_step EXPERIMENT.toml [--set K=V]... [--steps N] "
                     "[--warmup W]");
  return a;
}

const char* const kPhases[] = {"data copy", "forward", "loss", "backward", "grad accumulate",
                               "norm + AdamW"};

void run(const Args& args) {
  const config::ExperimentConfig c = config::load_experiment(args.config, args.overrides);
  const auto& t = c.train;
  if (c.model.vocab_size <= 0) fail<UsageError>("set model.vocab_size (no corpus is read)");
  const train::ComputeChoice compute = train::resolve_compute(
      t.device, t.precision, train::gpu_availability(), {"train.device", "train.precision"});
  if (compute.device.is_cpu()) fail<UsageError>("bench_train_step times a GPU step; no GPU");
  const nn::LongNetLM model(c.model, c.attention, uint64_t(t.seed),
                            {.dtype = compute.dtype, .device = compute.device});
  const auto optimizer = train::make_training_optimizer(
      model, {.beta1 = float(t.beta1), .beta2 = float(t.beta2), .eps = float(t.eps),
              .weight_decay = float(t.weight_decay)});
  CUstream_st* stream = cuda::DeviceContext::get(compute.device.index).stream();
  const int64_t micro_batches = t.accumulation_steps();
  std::vector<uint32_t> windows(size_t(t.micro_batch * (t.seq_len + 1)));
  uint64_t state = uint64_t(t.seed) * 0x9E3779B97F4A7C15ull + 1;
  const auto event = [&](const bench::Work& work) { return bench::cuda::event_ms(work, stream); };

  std::map<std::string, std::vector<double>> ms;
  std::vector<double> step_ms;
  for (int step = 0; step < args.warmup + args.steps; ++step) {
    std::map<std::string, double> phase;
    const auto step_start = std::chrono::steady_clock::now();
    for (int64_t m = 0; m < micro_batches; ++m) {
      for (uint32_t& token : windows) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        token = uint32_t((state >> 33) % uint64_t(c.model.vocab_size));
      }
      const train::Batch host = train::make_batch(windows, t.micro_batch);
      Tensor inputs, targets, logits, loss;
      phase["data copy"] += event([&] {
        inputs = ops::to_device(host.inputs, compute.device);
        targets = ops::to_device(host.targets, compute.device);
      });
      phase["forward"] += event([&] {
        logits = model.forward(inputs, {.seed = uint64_t(t.seed),
                                        .deterministic_attention = t.deterministic});
      });
      phase["loss"] += event([&] { loss = ops::cross_entropy(logits, targets); });
      logits = Tensor();
      phase["backward"] += event([&] { backward(loss * (1.0 / double(micro_batches))); });
      phase["grad accumulate"] += event([&] { optimizer->add_micro_batch_grads(); });
    }
    phase["norm + AdamW"] += event([&] {
      const optim::GradClip clip = optimizer->clip(t.clip_grad_norm);
      optimizer->step(float(t.lr), clip.scale);
    });
    train::synchronize(compute.device);
    const double wall =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - step_start)
            .count();
    if (step < args.warmup) continue;
    for (const auto& [name, value] : phase) ms[name].push_back(value);
    step_ms.push_back(wall);
  }

  const double flops = train::training_flops(c.model, nn::attention_spec(c.attention, c.model),
                                             t.seq_len, t.sequences_per_step());
  fmt::print("# step breakdown: {} layers x {}, {} attention, seq_len {}, {} tokens a step "
             "({} micro-batches of {}), {}, {} timed steps after {} warm-up\n",
             c.model.layers, c.model.dim, config::enum_name(c.attention.kind), t.seq_len,
             t.tokens_per_step, micro_batches, t.micro_batch, train::describe(compute), args.steps,
             args.warmup);
  fmt::print("| phase | median ms a step | share |\n| --- | ---: | ---: |\n");
  double sum = 0;
  for (const char* name : kPhases) sum += bench::median(ms[name]);
  for (const char* name : kPhases) {
    const double value = bench::median(ms[name]);
    fmt::print("| {} | {:.2f} | {:.1f}% |\n", name, value, 100 * value / sum);
  }
  const double wall = bench::median(step_ms);
  fmt::print("| sum of phases | {:.2f} | 100% |\n", sum);
  fmt::print("| step, host clock incl. syncs between phases | {:.2f} | |\n", wall);
  fmt::print("tokens/s from the phase sum: {:.0f}; MFU {:.1f}%; peak memory {:.2f} GiB\n",
             double(t.tokens_per_step) / (sum / 1e3),
             100 * flops / (sum / 1e3) / train::peak_flops(compute.device),
             double(train::peak_device_memory(compute.device)) / double(1 << 30));
}

}  // namespace
}  // namespace longnet

int main(int argc, char** argv) {
  try {
    longnet::run(longnet::parse(argc, argv));
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_train_step: {}\n", e.what());
    return 1;
  }
}
