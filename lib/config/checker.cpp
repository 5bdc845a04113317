#include "config/checker.h"

#include <fmt/format.h>

#include "common/error.h"

namespace longnet::config {

const std::string* Origins::find(std::string_view key) const {
  auto it = where_.find(key);
  return it == where_.end() ? nullptr : &it->second;
}

std::string Checker::name(std::string_view key) const {
  if (prefix_.empty()) return std::string(key);
  return prefix_ + "." + std::string(key);
}

void Checker::fail(std::initializer_list<std::string_view> keys, std::string_view message) const {
  const std::string* where = &origins_.document();
  for (auto key : keys) {
    if (const std::string* given = origins_.find(name(key))) {
      where = given;
      break;
    }
  }
  throw ConfigError(fmt::format("{}: {}", *where, message));
}

}  // namespace longnet::config
