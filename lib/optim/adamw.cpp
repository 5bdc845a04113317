#include "optim/adamw.h"

#include <cmath>
#include <set>

#include "common/error.h"

namespace longnet::optim {
namespace {

void check_options(const AdamWOptions& o) {
  if (!(o.beta1 >= 0.0f && o.beta1 < 1.0f))
    fail<ConfigError>("AdamW: beta1 must be in [0, 1), got {}", o.beta1);
  if (!(o.beta2 >= 0.0f && o.beta2 < 1.0f))
    fail<ConfigError>("AdamW: beta2 must be in [0, 1), got {}", o.beta2);
  if (!(o.eps > 0.0f)) fail<ConfigError>("AdamW: eps must be > 0, got {}", o.eps);
  if (!(o.weight_decay >= 0.0f))
    fail<ConfigError>("AdamW: weight_decay must be >= 0, got {}", o.weight_decay);
}

void check_params(const std::vector<ParamRef>& params) {
  std::set<std::string> names;
  for (const ParamRef& p : params) {
    if (p.name.empty()) fail<RuntimeError>("AdamW: a parameter has an empty name");
    if (!names.insert(p.name).second)
      fail<RuntimeError>("AdamW: parameter name '{}' appears twice", p.name);
    if (p.size < 0 || (p.size > 0 && p.data == nullptr))
      fail<RuntimeError>("AdamW: parameter '{}' has no data or a negative size", p.name);
  }
}

}  // namespace

AdamW::AdamW(std::vector<ParamRef> params, AdamWOptions options)
    : params_(std::move(params)), options_(options) {
  check_options(options_);
  check_params(params_);
  for (const ParamRef& p : params_) {
    exp_avg_.emplace_back(static_cast<size_t>(p.size), 0.0f);
    exp_avg_sq_.emplace_back(static_cast<size_t>(p.size), 0.0f);
  }
}

void AdamW::step(float lr, float grad_scale) {
  ++steps_;
  const float beta1 = options_.beta1, beta2 = options_.beta2, eps = options_.eps;
  // Bias corrections in double: beta^t underflows gracefully and 1 - beta^t keeps its digits.
  const double correction1 = 1.0 - std::pow(double(beta1), double(steps_));
  const double correction2 = 1.0 - std::pow(double(beta2), double(steps_));
  const float step_size = static_cast<float>(lr / correction1);
  const float inv_sqrt_correction2 = static_cast<float>(1.0 / std::sqrt(correction2));

  for (size_t k = 0; k < params_.size(); ++k) {
    const ParamRef& p = params_[k];
    if (p.grad == nullptr) continue;
    const float keep = p.decay ? 1.0f - lr * options_.weight_decay : 1.0f;
    float* data = p.data;
    const float* grad = p.grad;
    float* m = exp_avg_[k].data();
    float* v = exp_avg_sq_[k].data();
    // Small tensors stay on one thread: a parallel region per bias vector costs more in thread
    // wake-ups (and spinning, on a loaded machine) than the update itself.
#pragma omp parallel for schedule(static) if (p.size >= (1 << 16))
    for (int64_t i = 0; i < p.size; ++i) {
      const float g = grad[i] * grad_scale;
      m[i] = beta1 * m[i] + (1.0f - beta1) * g;
      v[i] = beta2 * v[i] + (1.0f - beta2) * g * g;
      const float denom = std::sqrt(v[i]) * inv_sqrt_correction2 + eps;
      data[i] = data[i] * keep - step_size * m[i] / denom;
    }
  }
}

void AdamW::set_steps_taken(int64_t steps) {
  if (steps < 0) fail<RuntimeError>("AdamW: step count must be >= 0, got {}", steps);
  steps_ = steps;
}

std::vector<StateBuffer> AdamW::state_buffers() {
  std::vector<StateBuffer> buffers;
  for (size_t k = 0; k < params_.size(); ++k) {
    buffers.push_back({params_[k].name + ".exp_avg", exp_avg_[k].data(), params_[k].size});
    buffers.push_back({params_[k].name + ".exp_avg_sq", exp_avg_sq_[k].data(), params_[k].size});
  }
  return buffers;
}

}  // namespace longnet::optim
