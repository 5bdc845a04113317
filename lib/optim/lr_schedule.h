#pragma once
// Learning-rate schedules: linear warm-up, then constant, polynomial decay (fairseq's
// polynomial_decay; power 1 is the paper's linear decay) or cosine decay, down to min_lr.
#include <cstdint>
#include <string_view>

namespace longnet::optim {

enum class ScheduleKind { constant, polynomial, cosine };

// "constant", "polynomial" or "cosine"; throws ConfigError naming the choices otherwise.
ScheduleKind parse_schedule_kind(std::string_view name);

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::polynomial;
  double peak_lr = 6e-4;
  double min_lr = 0.0;
  int64_t warmup_steps = 0;
  int64_t total_steps = 0;  // where decay reaches min_lr; unused by constant
  double power = 1.0;       // polynomial only
};

// Throws ConfigError when the numbers do not describe a schedule.
void validate(const LrSchedule& schedule);

// The learning rate of update number `step`, counted from 1. Warm-up: peak_lr * step / warmup
// for step <= warmup_steps. Then, with t = (step - warmup) / (total - warmup) clamped to [0, 1]:
// polynomial: min + (peak - min) * (1 - t)^power; cosine: min + (peak - min) * (1 + cos(pi t)) / 2.
double learning_rate(const LrSchedule& schedule, int64_t step);

}  // namespace longnet::optim
