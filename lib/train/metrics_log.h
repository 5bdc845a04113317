#pragma once
// Metrics as JSON Lines (DESIGN.md section 5): one object per line, appended and flushed as it
// is written, so a crashed or resumed run keeps every line it reported.
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace longnet::train {

class MetricsLog {
 public:
  explicit MetricsLog(const std::filesystem::path& path);
  void write(const nlohmann::json& record);

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

}  // namespace longnet::train
