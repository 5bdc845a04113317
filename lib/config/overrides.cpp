#include "config/overrides.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "common/suggest.h"

namespace longnet::config {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool is_quoted(std::string_view text) { return text.starts_with('"') || text.starts_with('\''); }

// Bare words are accepted where a string is expected; they become quoted TOML strings.
std::string as_toml_text(ValueKind kind, std::string_view text) {
  if ((kind == ValueKind::string || kind == ValueKind::enumeration) && !is_quoted(text))
    return write_value(std::string(text));
  if (kind == ValueKind::string_list && text.starts_with('[') && text.ends_with(']') &&
      text.find_first_of("\"'") == std::string_view::npos) {
    std::vector<std::string> words;
    std::string_view rest = text.substr(1, text.size() - 2);
    while (!trim(rest).empty()) {
      size_t comma = rest.find(',');
      words.emplace_back(trim(rest.substr(0, comma)));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    return write_value(words);
  }
  return std::string(text);
}

std::vector<std::string> split_key(std::string_view key) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = key.find('.', start)) != std::string_view::npos; start = dot + 1)
    parts.emplace_back(key.substr(start, dot - start));
  parts.emplace_back(key.substr(start));
  return parts;
}

}  // namespace

void apply_override(toml::table& root, std::string_view assignment,
                    std::span<const FieldInfo> fields) {
  const size_t equals = assignment.find('=');
  if (equals == std::string_view::npos || trim(assignment.substr(0, equals)).empty())
    fail<UsageError>("--set '{}': expected KEY=VALUE, for example --set train.lr=3e-4", assignment);
  const std::string key(trim(assignment.substr(0, equals)));
  const std::string_view text = trim(assignment.substr(equals + 1));
  const std::string origin = fmt::format("--set {}", assignment);

  auto field =
      std::find_if(fields.begin(), fields.end(), [&](const FieldInfo& f) { return f.key == key; });
  if (field == fields.end()) {
    std::vector<std::string> keys;
    for (const auto& f : fields) keys.push_back(f.key);
    std::string suggestion = closest_match(key, keys);
    fail<ConfigError>("{}: unknown key '{}'{}", origin, key,
                      suggestion.empty() ? "" : fmt::format("; did you mean '{}'?", suggestion));
  }

  toml::table parsed;
  try {
    parsed = toml::parse("value = " + as_toml_text(field->kind, text), std::string_view(origin));
  } catch (const toml::parse_error& e) {
    fail<ConfigError>("{}: '{}' is not a TOML value ({}); {} expects {}", origin, text,
                      e.description(), key, field->type);
  }

  toml::table* table = &root;
  const auto parts = split_key(key);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    auto [it, inserted] = table->insert(parts[i], toml::table{});
    table = it->second.as_table();
    if (!table)
      fail<ConfigError>("{}: cannot set '{}': '{}' is not a table in the configuration file",
                        origin, key, parts[i]);
  }
  table->insert_or_assign(parts.back(), std::move(*parsed.get("value")));
}

}  // namespace longnet::config
