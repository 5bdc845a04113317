#pragma once
// The perplexity table in the layout of the paper's Table 2: one row per model, its training
// length, then one column per evaluation length. A length a model was not evaluated at shows
// as "-".
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace longnet::train {

struct EvalRow {
  std::string model;
  int64_t training_length;
  std::vector<std::optional<double>> perplexity;  // one per EvalTable::lengths
};

struct EvalTable {
  std::vector<int64_t> lengths;
  std::vector<EvalRow> rows;
};

// "512", "2K", "32K", "1M": how the paper heads its columns.
std::string format_length(int64_t tokens);
// A GitHub Markdown table with perplexities to two decimals.
std::string to_markdown(const EvalTable& table);
// CSV with a header "model,training_length,<length>..." and exact lengths in tokens.
std::string to_csv(const EvalTable& table);

}  // namespace longnet::train
