#include "bench/csv.h"

#include "common/error.h"

namespace longnet::bench {

std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

CsvWriter::CsvWriter(const std::filesystem::path& path, const std::vector<std::string>& header)
    : path_(path), out_(path, std::ios::trunc), columns_(header.size()) {
  if (!out_) fail<RuntimeError>("cannot write {}: check that its folder exists and is writable",
                                path.string());
  write_line(header);
}

void CsvWriter::row(const std::vector<std::string>& fields) {
  if (fields.size() != columns_) {
    fail<RuntimeError>("{}: a row of {} fields under a header of {}", path_.string(),
                       fields.size(), columns_);
  }
  write_line(fields);
}

void CsvWriter::write_line(const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) out_ << (i ? "," : "") << csv_field(fields[i]);
  out_ << '\n' << std::flush;
  if (!out_) fail<RuntimeError>("writing {} failed (disk full?)", path_.string());
}

}  // namespace longnet::bench
