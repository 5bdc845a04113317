#include "bench/scale_output.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace longnet::testing {

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("longnet_scale_" + name);
  std::filesystem::remove_all(dir);
  return dir;
}

std::vector<std::map<std::string, std::string>> read_csv(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> lines;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        fields.emplace_back();
      } else {
        fields.back() += c;
      }
    }
    lines.push_back(fields);
  }
  std::vector<std::map<std::string, std::string>> rows;
  for (size_t r = 1; r < lines.size(); ++r) {
    EXPECT_EQ(lines[r].size(), lines[0].size()) << "line " << r + 1;
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < lines[0].size() && i < lines[r].size(); ++i) row[lines[0][i]] = lines[r][i];
    rows.push_back(row);
  }
  return rows;
}

bool has_table_line(const std::string& out, const std::string& attention, const std::string& tokens) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(attention + " ", 0) != 0) continue;
    std::istringstream words(line.substr(attention.size()));
    std::vector<std::string> cells;
    for (std::string w; words >> w;) cells.push_back(w);
    if (cells.size() == 9 && cells[0] == tokens) return true;
  }
  return false;
}

}  // namespace longnet::testing
