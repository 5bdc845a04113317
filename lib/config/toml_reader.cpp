#include "config/toml_reader.h"

#include <fmt/format.h>

#include <filesystem>

#include "common/error.h"
#include "common/suggest.h"

namespace longnet::config {

namespace {

[[noreturn]] void fail_syntax(const toml::parse_error& e, const std::string& name) {
  const auto& begin = e.source().begin;
  fail<ConfigError>("{}:{}:{}: TOML syntax error: {}", name, begin.line, begin.column,
                    e.description());
}

}  // namespace

toml::table parse_toml_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    fail<UsageError>("cannot read config file '{}': {}", path,
                     std::filesystem::exists(path, ec) ? "not a regular file" : "no such file");
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    fail_syntax(e, path);
  }
}

toml::table parse_toml_text(std::string_view text, const std::string& name) {
  try {
    return toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    fail_syntax(e, name);
  }
}

void TomlReader::reject_unknown_keys() const {
  // The table iterates in key order; report the unknown key that comes first in the file.
  const toml::key* first = nullptr;
  for (auto&& [key, node] : table_) {
    if (std::find(known_.begin(), known_.end(), key.str()) != known_.end()) continue;
    const auto& at = key.source().begin;
    if (!first || at.line < first->source().begin.line ||
        (at.line == first->source().begin.line && at.column < first->source().begin.column))
      first = &key;
  }
  if (!first) return;
  std::string suggestion = closest_match(first->str(), known_);
  std::string where = prefix_.empty() ? "at the top level" : fmt::format("in [{}]", prefix_);
  fail<ConfigError>(
      "{}: unknown key '{}' {}; {}", location(first->source()), full_name(first->str()), where,
      suggestion.empty() ? fmt::format("the keys there are: {}", fmt::join(known_, ", "))
                         : fmt::format("did you mean '{}'?", suggestion));
}

void fail_not_a_table(const toml::node& node, const std::string& key) {
  fail<ConfigError>("{}: {}: expected a table, found {}", location(node.source()), key,
                    node.is_array() ? "a list" : "a value");
}

}  // namespace longnet::config
