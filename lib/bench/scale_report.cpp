#include "bench/scale_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "bench/chart.h"
#include "bench/counts.h"
#include "bench/png.h"

namespace longnet::bench {

namespace {

constexpr const char* passes[] = {"fwd", "fwd+bwd"};
constexpr double mib = 1024.0 * 1024.0;
constexpr int cell_width = 10;

// Four cells of one pass: ms, tokens/s, TFLOP/s, peak MiB.
std::vector<std::string> pass_cells(const Row* row) {
  if (!row) return {"-", "-", "-", "-"};
  if (row->status == Status::out_of_memory) return {"OOM", "-", "-", "-"};
  const auto& m = row->measurement;
  return {fmt::format("{:.3f}", m.ms), short_rate(row->tokens_per_s),
          fmt::format("{:.3g}", row->tflop_per_s), fmt::format("{:.1f}", m.peak_bytes / mib)};
}

std::string table_line(const std::vector<std::string>& cells) {
  std::string line = fmt::format("{:<21} {:>6}", cells[0], cells[1]);
  for (size_t i = 2; i < cells.size(); ++i) line += fmt::format(" {:>{}}", cells[i], cell_width);
  return line + "\n";
}

}  // namespace

std::string short_rate(double value) {
  constexpr struct {
    double unit;
    const char* suffix;
  } units[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "K"}};
  for (const auto& u : units) {
    if (value >= u.unit) return fmt::format("{:.3g}{}", value / u.unit, u.suffix);
  }
  return fmt::format("{:.3g}", value);
}

ScaleReport::ScaleReport(const std::filesystem::path& out_dir, RunContext context,
                         std::vector<TargetLabel> labels, std::FILE* out)
    : out_dir_(out_dir), context_(std::move(context)), labels_(std::move(labels)), out_(out) {
  std::error_code error;
  std::filesystem::create_directories(out_dir_, error);
  if (error) fail<RuntimeError>("cannot create the output folder {}: {}", out_dir_.string(),
                                error.message());
  csv_ = std::make_unique<CsvWriter>(
      csv_path(), std::vector<std::string>{"part", "kind", "pass", "device", "dtype", "batch",
                                           "heads", "head_dim", "tokens", "status", "ms",
                                           "tokens_per_s", "tflop_per_s", "peak_bytes",
                                           "attention", "note"});
  std::string banner = fmt::format("{:28}", "");
  std::vector<std::string> header = {"attention", "N"};
  for (const char* pass : passes) {
    banner += fmt::format(" {:^{}}", fmt::format("--- {} ---", pass), 4 * (cell_width + 1) - 1);
    for (const char* what : {"ms", "tok/s", "TFLOP/s", "peak MiB"}) header.push_back(what);
  }
  banner.erase(banner.find_last_not_of(' ') + 1);
  fmt::print(out_, "{}\n{}", banner, table_line(header));
}

std::string ScaleReport::group(size_t target) const {
  return labels_[target].part + " " + labels_[target].kind;
}

void ScaleReport::add_step(std::span<const Row> rows) {
  std::vector<std::string> groups;  // in target order, once each
  for (const Row& row : rows) {
    const std::string g = group(row.target);
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    write_csv(row);
    rows_.push_back(row);
  }
  for (const auto& g : groups) print_line(g, rows.front().tokens, rows);
  std::fflush(out_);
}

void ScaleReport::print_line(const std::string& group_name, int64_t tokens,
                             std::span<const Row> rows) {
  std::vector<std::string> cells = {group_name, format_count(tokens)};
  for (const char* pass : passes) {
    const Row* found = nullptr;
    for (const Row& row : rows) {
      if (group(row.target) == group_name && labels_[row.target].pass == pass) found = &row;
    }
    for (auto& cell : pass_cells(found)) cells.push_back(std::move(cell));
  }
  fmt::print(out_, "{}", table_line(cells));
}

void ScaleReport::write_csv(const Row& row) {
  const auto& label = labels_[row.target];
  const bool measured = row.status == Status::measured;
  const auto& m = row.measurement;
  const std::string note = measured ? (row.time_limit_hit ? "time limit reached" : "") : row.detail;
  csv_->row({label.part, label.kind, label.pass, context_.device, context_.dtype,
             std::to_string(context_.batch), std::to_string(context_.heads),
             std::to_string(context_.head_dim), std::to_string(row.tokens),
             measured ? "ok" : "out_of_memory", measured ? fmt::format("{:.6g}", m.ms) : "",
             measured ? fmt::format("{:.6g}", row.tokens_per_s) : "",
             measured ? fmt::format("{:.6g}", row.tflop_per_s) : "",
             measured ? std::to_string(m.peak_bytes) : "", label.description, note});
}

void ScaleReport::finish(int64_t max_tokens) {
  Chart chart{fmt::format("attention: {} {}, batch {}, {} heads x {}", context_.device,
                          context_.dtype, context_.batch, context_.heads, context_.head_dim),
              "sequence length (tokens)", "time per call (ms)", {}};
  for (size_t t = 0; t < labels_.size(); ++t) {
    Series series{group(t) + " " + labels_[t].pass, {}};
    const Row* last = nullptr;
    for (const Row& row : rows_) {
      if (row.target != t) continue;
      last = &row;
      if (row.status == Status::measured && row.measurement.ms > 0) {
        series.points.emplace_back(row.tokens, row.measurement.ms);
      }
    }
    chart.series.push_back(std::move(series));
    const std::string name = chart.series.back().name;
    if (!last) {
      fmt::print(out_, "{}: nothing measured\n", name);
    } else if (last->status == Status::out_of_memory) {
      fmt::print(out_, "{}: limit {} tokens (out of memory: {})\n", name,
                 format_count(last->tokens), last->detail);
    } else if (last->time_limit_hit) {
      fmt::print(out_, "{}: stopped after {} tokens (the point took longer than the time limit)\n",
                 name, format_count(last->tokens));
    } else {
      fmt::print(out_, "{}: measured up to {} tokens (--max-tokens {})\n", name,
                 format_count(last->tokens), format_count(max_tokens));
    }
  }
  write_png(png_path(), render_chart(chart));
  fmt::print(out_, "wrote {} and {}\n", csv_path().string(), png_path().string());
}

}  // namespace longnet::bench
