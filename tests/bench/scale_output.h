#pragma once
// Reading what `longnet scale` writes, for the tests that run it.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace longnet::testing {

// A temporary folder named after `name`, emptied.
std::filesystem::path fresh_dir(const std::string& name);

// The CSV as one map per line, keyed by the header (fields may be quoted, with "" for ").
std::vector<std::map<std::string, std::string>> read_csv(const std::filesystem::path& path);

// Whether stdout has a table line for `attention` at `tokens`, with the N column and the eight
// measurement columns after it.
bool has_table_line(const std::string& out, const std::string& attention, const std::string& tokens);

}  // namespace longnet::testing
