#include "train/progress_line.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace longnet::train {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t s = int64_t(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

namespace {

std::string format_rate(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.2f}M", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.1f}K", per_second / 1e3);
  return fmt::format("{:.0f}", per_second);
}

}  // namespace

std::string format_step(const StepReport& r) {
  return fmt::format(
      "step {}/{} | loss {:.4f} | lr {:.2e} | gnorm {:.3g} | {} tok/s | MFU {} | mem {} MB "
      "| ETA {}",
      r.step, r.total_steps, r.loss, r.lr, r.grad_norm, format_rate(r.tokens_per_second),
      std::isfinite(r.mfu) ? fmt::format("{:.1f}%", 100.0 * r.mfu) : "n/a",
      r.memory_bytes >> 20, format_duration(r.eta_seconds));
}

ProgressLine::ProgressLine(int64_t log_every)
    : log_every_(log_every), live_(isatty(fileno(stderr)) != 0) {}

void ProgressLine::step(const StepReport& report) {
  if (live_) {
    fmt::print(stderr, "\r\033[K{}", format_step(report));
    pending_ = true;
  } else if (report.step % log_every_ == 0 || report.step == report.total_steps) {
    fmt::print(stderr, "{}\n", format_step(report));
  }
  std::fflush(stderr);
}

void ProgressLine::note(const std::string& message) {
  if (pending_) fmt::print(stderr, "\n");  // keep the last live line on screen
  if (!message.empty()) fmt::print(stderr, "{}\n", message);
  pending_ = false;
  std::fflush(stderr);
}

int64_t peak_memory_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return int64_t(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

}  // namespace longnet::train
