#pragma once
// What `longnet scale` shows and writes as its sweep goes: a table on stdout with one line per
// (attention kind, N) holding the forward and forward+backward points side by side, DIR/scale.csv
// with one line per measured or out-of-memory point, and at the end DIR/scale.png (log-log
// time against N) and a line per target saying where and why it stopped.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench/csv.h"
#include "bench/sweep.h"

namespace longnet::bench {

// What one target measures: part "core" (Q, K, V to O) or "layer" (the attention layer), the
// attention kind, pass "fwd" or "fwd+bwd"; description is the attention pattern in words (a CSV
// column). Targets of the same part and kind share a table line.
struct TargetLabel {
  std::string part, kind, pass, description;
};

// The fixed context of a run, repeated in every CSV line.
struct RunContext {
  std::string device;  // "cpu" or the GPU's name
  std::string dtype;   // "fp32", "bf16"
  int64_t batch, heads, head_dim;
};

class ScaleReport {
 public:
  // Opens out_dir/scale.csv (creating out_dir) and prints the table header to `out`.
  ScaleReport(const std::filesystem::path& out_dir, RunContext context,
              std::vector<TargetLabel> labels, std::FILE* out = stdout);

  // The rows of one N, as sweep() hands them over.
  void add_step(std::span<const Row> rows);

  // Writes out_dir/scale.png and prints where each target stopped (max_tokens: the sweep's end).
  void finish(int64_t max_tokens);

  std::filesystem::path csv_path() const { return out_dir_ / "scale.csv"; }
  std::filesystem::path png_path() const { return out_dir_ / "scale.png"; }

 private:
  void print_line(const std::string& group, int64_t tokens, std::span<const Row> rows);
  std::string group(size_t target) const;  // "core dense", "layer dilated"
  void write_csv(const Row& row);

  std::filesystem::path out_dir_;
  RunContext context_;
  std::vector<TargetLabel> labels_;
  std::FILE* out_;
  std::unique_ptr<CsvWriter> csv_;
  std::vector<Row> rows_;
};

// A rate in a short human form: 950, 12.3K, 4.56M, 7.89G (decimal multiples).
std::string short_rate(double value);

}  // namespace longnet::bench
