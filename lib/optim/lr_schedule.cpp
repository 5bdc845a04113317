#include "optim/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "common/error.h"

namespace longnet::optim {

ScheduleKind parse_schedule_kind(std::string_view name) {
  if (name == "constant") return ScheduleKind::constant;
  if (name == "polynomial") return ScheduleKind::polynomial;
  if (name == "cosine") return ScheduleKind::cosine;
  fail<ConfigError>("unknown learning-rate schedule '{}': use constant, polynomial or cosine",
                    name);
}

void validate(const LrSchedule& s) {
  if (!(s.peak_lr > 0.0)) fail<ConfigError>("learning rate must be > 0, got {}", s.peak_lr);
  if (!(s.min_lr >= 0.0 && s.min_lr <= s.peak_lr))
    fail<ConfigError>("min_lr must be in [0, lr = {}], got {}", s.peak_lr, s.min_lr);
  if (s.warmup_steps < 0) fail<ConfigError>("warmup_steps must be >= 0, got {}", s.warmup_steps);
  if (s.kind != ScheduleKind::constant && s.total_steps <= s.warmup_steps)
    fail<ConfigError>("total_steps ({}) must exceed warmup_steps ({}) for a decaying schedule",
                      s.total_steps, s.warmup_steps);
  if (!(s.power > 0.0)) fail<ConfigError>("polynomial power must be > 0, got {}", s.power);
}

double learning_rate(const LrSchedule& s, int64_t step) {
  if (s.warmup_steps > 0 && step <= s.warmup_steps)
    return s.peak_lr * double(std::max<int64_t>(step, 0)) / double(s.warmup_steps);
  if (s.kind == ScheduleKind::constant) return s.peak_lr;
  const double t = std::clamp(double(step - s.warmup_steps) / double(s.total_steps - s.warmup_steps),
                              0.0, 1.0);
  const double range = s.peak_lr - s.min_lr;
  if (s.kind == ScheduleKind::polynomial) return s.min_lr + range * std::pow(1.0 - t, s.power);
  return s.min_lr + range * 0.5 * (1.0 + std::cos(std::numbers::pi * t));
}

}  // namespace longnet::optim
