#include "train/eval_table.h"

#include <fmt/format.h>

namespace longnet::train {
namespace {

std::string cell(const std::optional<double>& value, int digits) {
  return value ? fmt::format("{:.{}f}", *value, digits) : "-";
}

// CSV quoting: fields with a comma, quote or newline are quoted, quotes doubled.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string format_length(int64_t tokens) {
  if (tokens >= (1 << 20) && tokens % (1 << 20) == 0) return fmt::format("{}M", tokens >> 20);
  if (tokens >= 1024 && tokens % 1024 == 0) return fmt::format("{}K", tokens >> 10);
  return std::to_string(tokens);
}

std::string to_markdown(const EvalTable& table) {
  std::string out = "| Model | Length |";
  std::string rule = "| --- | ---: |";
  for (int64_t length : table.lengths) {
    out += " " + format_length(length) + " |";
    rule += " ---: |";
  }
  out += "\n" + rule + "\n";
  for (const auto& row : table.rows) {
    out += "| " + row.model + " | " + format_length(row.training_length) + " |";
    for (const auto& value : row.perplexity) out += " " + cell(value, 2) + " |";
    out += "\n";
  }
  return out;
}

std::string to_csv(const EvalTable& table) {
  std::string out = "model,training_length";
  for (int64_t length : table.lengths) out += "," + std::to_string(length);
  out += "\n";
  for (const auto& row : table.rows) {
    out += csv_field(row.model) + "," + std::to_string(row.training_length);
    for (const auto& value : row.perplexity) out += "," + (value ? cell(value, 4) : "");
    out += "\n";
  }
  return out;
}

}  // namespace longnet::train
