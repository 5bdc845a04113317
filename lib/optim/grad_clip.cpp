#include "optim/grad_clip.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace longnet::optim {
namespace {

// Chunk boundaries depend only on the parameter sizes, never on the thread count.
constexpr int64_t kChunk = 1 << 16;

struct Chunk {
  const float* values;
  int64_t size;
};

}  // namespace

double global_grad_norm(std::span<const ParamRef> params) {
  std::vector<Chunk> chunks;
  for (const ParamRef& p : params) {
    if (p.grad == nullptr) continue;
    for (int64_t begin = 0; begin < p.size; begin += kChunk)
      chunks.push_back({p.grad + begin, std::min(kChunk, p.size - begin)});
  }
  std::vector<double> partial(chunks.size());
  const int64_t count = static_cast<int64_t>(chunks.size());
#pragma omp parallel for schedule(dynamic)
  for (int64_t c = 0; c < count; ++c) {
    double sum = 0.0;
    for (int64_t i = 0; i < chunks[c].size; ++i) {
      const double g = chunks[c].values[i];
      sum += g * g;
    }
    partial[c] = sum;
  }
  double total = 0.0;
  for (double s : partial) total += s;
  return std::sqrt(total);
}

GradClip clip_for_norm(double norm, double max_norm) {
  float scale = 1.0f;
  if (max_norm > 0.0 && std::isfinite(norm))
    scale = static_cast<float>(std::min(1.0, max_norm / (norm + 1e-6)));
  return {norm, scale};
}

GradClip clip_grad_norm(std::span<const ParamRef> params, double max_norm) {
  return clip_for_norm(global_grad_norm(params), max_norm);
}

}  // namespace longnet::optim
