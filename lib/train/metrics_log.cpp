#include "train/metrics_log.h"

#include "common/error.h"

namespace longnet::train {

MetricsLog::MetricsLog(const std::filesystem::path& path)
    : path_(path), out_(path, std::ios::app) {
  if (!out_) fail<RuntimeError>("cannot open {} for appending", path.string());
}

void MetricsLog::write(const nlohmann::json& record) {
  out_ << record.dump() << '\n';
  out_.flush();
  if (!out_) fail<RuntimeError>("cannot write {}", path_.string());
}

}  // namespace longnet::train
