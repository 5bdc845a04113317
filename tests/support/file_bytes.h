#pragma once
// Whole-file reads and writes for tests.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace longnet::testing {

inline std::string read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace longnet::testing
