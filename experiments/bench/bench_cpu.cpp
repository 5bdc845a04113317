// CPU backend benchmark: f32 matmul GFLOP/s at a few shapes (through ops::matmul, so layout
// handling and allocation are included) and the training step time of the tiny dense LM
// (forward, backward, gradient gather, clipping, AdamW). Warm-up runs first; medians printed.
//
//   build/experiments/bench/bench_cpu [matmul|step]     (no argument: both sections)
#include <cblas.h>
#include <fmt/core.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "nn/optimizer_params.h"
#include "nn/tiny_dense_lm.h"
#include "ops/backward.h"
#include "ops/create.h"
#include "ops/cross_entropy.h"
#include "ops/matmul.h"
#include "ops/view.h"
#include "optim/adamw.h"
#include "optim/grad_clip.h"

namespace longnet {
namespace {

// Median seconds of `fn` over `reps` runs after `warmup` runs.
double median_seconds(const std::function<void()>& fn, int warmup, int reps) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void bench_matmul(const char* label, int64_t batch, int64_t m, int64_t k, int64_t n,
                  bool transposed_b) {
  const Tensor a = ops::uniform({batch, m, k}, -1, 1, 1, 1);
  const Tensor b = transposed_b ? ops::transpose(ops::uniform({batch, n, k}, -1, 1, 1, 2), 1, 2)
                                : ops::uniform({batch, k, n}, -1, 1, 1, 2);
  const double flops = 2.0 * double(batch * m * n * k);
  const int reps = int(std::clamp(2e10 / flops, 5.0, 200.0));
  const double s = median_seconds([&] { ops::matmul(a, b); }, 2, reps);
  fmt::print("| {} | {} x [{}x{}] @ [{}x{}]{} | {:.3f} | {:.1f} |\n", label, batch, m, k, k, n,
             transposed_b ? "^T view" : "", s * 1e3, flops / s * 1e-9);
}

void bench_step(const char* label, const nn::TinyLMConfig& config, int64_t batch, int64_t n,
                int reps) {
  nn::TinyDenseLM model(config, 1);
  nn::OptimizerParams params(model);
  optim::AdamW adamw(params.refs(), {.beta1 = 0.9f, .beta2 = 0.98f});
  std::vector<int64_t> ids(size_t(batch * n));
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = int64_t((i * 7919) % size_t(config.vocab));
  const Tensor inputs = Tensor::from_vector(ids, {batch, n});
  const double s = median_seconds(
      [&] {
        backward(ops::cross_entropy(model.forward(inputs), inputs));
        params.gather_grads();
        adamw.step(1e-4f, optim::clip_grad_norm(params.refs(), 1.0).scale);
      },
      2, reps);
  fmt::print("| {} | {} layers, E {}, H {}, FFN {}, V {} | {} x {} | {:.2f} | {:.0f} |\n", label,
             config.layers, config.dim, config.heads, config.ffn_hidden, config.vocab, batch, n,
             s * 1e3, double(batch * n) / s);
}

}  // namespace
}  // namespace longnet

int main(int argc, char** argv) {
  using namespace longnet;
  const std::string section = argc > 1 ? argv[1] : "";
  fmt::print("OpenMP threads {}, OpenBLAS core {} (held to 1 thread by the CPU backend)\n\n",
             omp_get_max_threads(), openblas_get_corename());
  if (section.empty() || section == "matmul") {
  fmt::print("| matmul f32 | shape | median ms | GFLOP/s |\n| --- | --- | --- | --- |\n");
  bench_matmul("square", 1, 256, 256, 256, false);
  bench_matmul("square", 1, 512, 512, 512, false);
  bench_matmul("square", 1, 1024, 1024, 1024, false);
  bench_matmul("square, B transposed", 1, 1024, 1024, 1024, true);
  bench_matmul("square", 1, 2048, 2048, 2048, false);
  bench_matmul("linear-like", 1, 4096, 768, 768, true);
  bench_matmul("attention scores", 48, 256, 64, 256, true);
  }
  if (!section.empty() && section != "step") return 0;

  fmt::print("\n| training step | model | batch x tokens | median ms | tokens/s |\n"
             "| --- | --- | --- | --- | --- |\n");
  bench_step("copy-task model", {.vocab = 11, .dim = 64, .heads = 4, .layers = 2, .ffn_hidden = 128},
             16, 16, 50);
  bench_step("small LM", {.vocab = 1024, .dim = 256, .heads = 4, .layers = 4, .ffn_hidden = 1024},
             4, 256, 10);
  return 0;
}
