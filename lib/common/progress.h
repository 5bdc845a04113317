#pragma once
// Progress of long work on stderr: a live line rewritten in place on a terminal, a plain line
// every few seconds otherwise (DESIGN.md section 6).
#include <chrono>
#include <cstdint>
#include <string>

namespace longnet {

class Progress {
 public:
  // `total` in `unit`s (0 when unknown); `scale` divides raw counts for display (e.g. 1e6 for MB).
  Progress(std::string label, uint64_t total, std::string unit, double scale = 1.0);
  ~Progress();
  // Adds `amount` raw units done; prints when due. Call from one thread.
  void advance(uint64_t amount);
  // Prints the final line (once).
  void finish();

 private:
  void print(bool final_line);
  std::string label_, unit_;
  uint64_t total_, done_ = 0;
  double scale_;
  bool live_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace longnet
