#pragma once
// TOML -> config struct. Keys absent from the table keep the struct's defaults; unknown keys,
// wrong types and out-of-range values are ConfigErrors at their file:line:column.
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "config/schema.h"
#include "config/value.h"

namespace longnet::config {

// Parses a TOML file or text; a syntax error is a ConfigError "path:line:column: ...".
// A missing or unreadable file is a UsageError (exit 2).
toml::table parse_toml_file(const std::string& path);
toml::table parse_toml_text(std::string_view text, const std::string& name);

// The visitor behind read_table(); tracks the keys of one table so that the rest are reported.
class TomlReader {
 public:
  TomlReader(const toml::table& table, std::string prefix, Origins& origins)
      : table_(table), prefix_(std::move(prefix)), origins_(origins) {}

  template <class T>
  void field(std::string_view key, T& value, std::string_view /*doc*/, Limits limits = {}) {
    known_.emplace_back(key);
    auto it = table_.find(key);
    if (it == table_.end()) return;
    std::string name = full_name(key);
    // A key set by --set has no source of its own; its value carries "--set ...".
    origins_.record(name,
                    location(it->first.source().path ? it->first.source() : it->second.source()));
    read_value(it->second, name, value, limits);
  }

  template <ConfigTable S>
  void table(std::string_view key, S& sub, std::string_view /*doc*/);

  // Throws for the first key of the table that no field() or table() claimed.
  void reject_unknown_keys() const;

 private:
  std::string full_name(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }
  const toml::table& table_;
  std::string prefix_;
  Origins& origins_;
  std::vector<std::string> known_;
};

// Reads `table` (named `prefix` in messages, "" for the root) into `value`.
template <ConfigTable S>
void read_table(const toml::table& table, const std::string& prefix, S& value, Origins& origins) {
  TomlReader reader(table, prefix, origins);
  value.visit(reader);
  reader.reject_unknown_keys();
}

[[noreturn]] void fail_not_a_table(const toml::node& node, const std::string& key);

template <ConfigTable S>
void TomlReader::table(std::string_view key, S& sub, std::string_view) {
  known_.emplace_back(key);
  const toml::node* node = table_.get(key);
  if (!node) return;
  std::string name = full_name(key);
  if (!node->is_table()) fail_not_a_table(*node, name);
  read_table(*node->as_table(), name, sub, origins_);
}

}  // namespace longnet::config
