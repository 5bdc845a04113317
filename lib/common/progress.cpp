#include "common/progress.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>

namespace longnet {

namespace {

std::string format_duration(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

Progress::Progress(std::string label, uint64_t total, std::string unit, double scale)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      scale_(scale),
      live_(isatty(fileno(stderr)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

Progress::~Progress() { finish(); }

void Progress::advance(uint64_t amount) {
  done_ += amount;
  const auto now = std::chrono::steady_clock::now();
  // A terminal redraws ten times a second; a log gets a line every ten seconds.
  const auto interval = live_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(10000);
  if (now - last_print_ >= interval) {
    last_print_ = now;
    print(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  print(true);
}

void Progress::print(bool final_line) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double done = done_ / scale_, rate = elapsed > 0 ? done / elapsed : 0;
  std::string line = fmt::format("{}: {:.1f}", label_, done);
  if (total_ > 0) {
    const double total = total_ / scale_;
    line += fmt::format("/{:.1f} {} ({:.0f}%)", total, unit_, 100.0 * done_ / total_);
    if (!final_line && rate > 0) line += fmt::format(", ETA {}", format_duration((total - done) / rate));
  } else {
    line += " " + unit_;
  }
  line += fmt::format(", {:.1f} {}/s, {}", rate, unit_, format_duration(elapsed));
  if (live_) {
    fmt::print(stderr, "\r\033[K{}{}", line, final_line ? "\n" : "");
  } else {
    fmt::print(stderr, "{}\n", line);
  }
  std::fflush(stderr);
}

}  // namespace longnet
