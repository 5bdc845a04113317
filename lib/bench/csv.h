#pragma once
// A CSV file (RFC 4180): a header line, then rows of as many fields; fields holding a comma,
// quote or line break are quoted, with quotes doubled.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace longnet::bench {

class CsvWriter {
 public:
  // Creates (or truncates) `path` and writes the header; throws RuntimeError if it cannot.
  CsvWriter(const std::filesystem::path& path, const std::vector<std::string>& header);

  // Writes one row and flushes it, so a sweep cut short still leaves its rows.
  void row(const std::vector<std::string>& fields);

 private:
  void write_line(const std::vector<std::string>& fields);

  std::filesystem::path path_;
  std::ofstream out_;
  size_t columns_;
};

// One field as it appears in the file.
std::string csv_field(const std::string& value);

}  // namespace longnet::bench
