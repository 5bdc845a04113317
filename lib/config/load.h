#pragma once
// The whole path from a TOML file to a checked config struct: parse, apply `--set` overrides,
// read (unknown keys, types, ranges) and run the validate() hooks. Every error is a ConfigError
// (exit 2) naming file:line:column and the key, except a missing file or a malformed --set,
// which are UsageErrors (also exit 2).
#include <span>
#include <string>

#include "config/describe.h"
#include "config/overrides.h"
#include "config/toml_reader.h"
#include "config/validate.h"

namespace longnet::config {

// Reads `table` (named `document` where a key has no location) into a checked S.
template <ConfigTable S>
S read_config(toml::table table, const std::string& document,
              std::span<const std::string> overrides = {}) {
  const auto fields = describe<S>();
  for (const auto& assignment : overrides) apply_override(table, assignment, fields);
  S value;
  Origins origins(document);
  read_table(table, "", value, origins);
  validate(value, origins);
  return value;
}

template <ConfigTable S>
S load_config(const std::string& path, std::span<const std::string> overrides = {}) {
  return read_config<S>(parse_toml_file(path), path, overrides);
}

template <ConfigTable S>
S parse_config(std::string_view text, const std::string& name,
               std::span<const std::string> overrides = {}) {
  return read_config<S>(parse_toml_text(text, name), name, overrides);
}

}  // namespace longnet::config
