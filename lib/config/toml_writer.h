#pragma once
// Config struct -> TOML text, keys in declaration order, each sub-table as its own [section].
// Reading the text back (config/toml_reader.h) gives an equal struct.
#include <string>

#include "config/schema.h"
#include "config/value.h"

namespace longnet::config {

class TomlWriter {
 public:
  explicit TomlWriter(std::string prefix) : prefix_(std::move(prefix)) {}

  template <class T>
  void field(std::string_view key, const T& value, std::string_view /*doc*/, Limits = {}) {
    keys_ += std::string(key) + " = " + write_value(value) + "\n";
  }

  template <ConfigTable S>
  void table(std::string_view key, const S& sub, std::string_view /*doc*/) {
    std::string name = prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
    TomlWriter writer(name);
    S copy = sub;  // visit() is not const: it serves the readers too
    copy.visit(writer);
    tables_ += "\n[" + name + "]\n" + writer.text();
  }

  // Keys of this table, then its sub-tables (TOML requires that order).
  std::string text() const { return keys_ + tables_; }

 private:
  std::string prefix_;
  std::string keys_;
  std::string tables_;
};

template <ConfigTable S>
std::string to_toml(const S& value) {
  TomlWriter writer("");
  S copy = value;
  copy.visit(writer);
  std::string text = writer.text();
  if (text.starts_with("\n")) text.erase(0, 1);
  return text;
}

}  // namespace longnet::config
