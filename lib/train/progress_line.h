#pragma once
// The training progress line (DESIGN.md section 6) on stderr: rewritten in place on a terminal,
// a plain line every `log_every` steps otherwise.
#include <cstdint>
#include <string>

namespace longnet::train {

struct StepReport {
  int64_t step, total_steps;
  double loss, lr, grad_norm;
  double tokens_per_second, mfu;  // mfu in [0, 1]; NaN when the peak is unknown (n/a)
  int64_t memory_bytes;           // peak memory of the device the run uses
  double eta_seconds;
};

// "step 120/300 | loss 5.4321 | lr 6.00e-04 | gnorm 1.23 | 12.3K tok/s | MFU 4.1% | mem 512 MB
// | ETA 2m03s"
std::string format_step(const StepReport& report);
// "1h02m", "2m03s", "45s"
std::string format_duration(double seconds);

class ProgressLine {
 public:
  explicit ProgressLine(int64_t log_every);
  // Shows the step: live on a terminal, as a line every log_every steps otherwise.
  void step(const StepReport& report);
  // A message on its own line (evaluation, checkpoint) below the live line; "" only ends the
  // live line.
  void note(const std::string& message);

 private:
  int64_t log_every_;
  bool live_;
  bool pending_ = false;  // a live line is on screen without its newline
};

// Peak resident set size of this process in bytes.
int64_t peak_memory_bytes();

}  // namespace longnet::train
