#pragma once
// Every key a config struct knows, with its type, default, allowed values and documentation:
// the source of `--set` type information and of the test that keeps docs/ complete.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "config/schema.h"
#include "config/value.h"

namespace longnet::config {

struct FieldInfo {
  std::string key;  // full dotted name, "attention.sparse.block"
  ValueKind kind;
  std::string type;    // "an integer", "a string: one of dense, sparse, dilated"
  std::string value;   // TOML text of the value in the described struct (its default)
  std::string limits;  // "must be >= 1", "must not be empty", or ""
  std::string doc;
};

class Describer {
 public:
  Describer(std::string prefix, std::vector<FieldInfo>& out)
      : prefix_(std::move(prefix)), out_(out) {}

  template <class T>
  void field(std::string_view key, const T& value, std::string_view doc, Limits limits = {}) {
    FieldInfo info{name(key),          kind_of<T>(),      std::string(kind_name(kind_of<T>())),
                   write_value(value), limits.describe(), std::string(doc)};
    if constexpr (ConfigEnum<T>)
      info.type += fmt::format(": one of {}", fmt::join(enum_choices<T>(), ", "));
    if constexpr (is_enum_list<T>)
      info.type +=
          fmt::format(", each one of {}", fmt::join(enum_choices<typename T::value_type>(), ", "));
    if (limits.non_empty)
      info.limits += std::string(info.limits.empty() ? "" : "; ") + "must not be empty";
    out_.push_back(std::move(info));
  }

  template <ConfigTable S>
  void table(std::string_view key, const S& sub, std::string_view /*doc*/) {
    Describer inner(name(key), out_);
    S copy = sub;
    copy.visit(inner);
  }

 private:
  std::string name(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }
  std::string prefix_;
  std::vector<FieldInfo>& out_;
};

// The keys of `value` (usually a default-constructed struct, so `value` is the default).
template <ConfigTable S>
std::vector<FieldInfo> describe(const S& value = S{}) {
  std::vector<FieldInfo> fields;
  Describer describer("", fields);
  S copy = value;
  copy.visit(describer);
  return fields;
}

}  // namespace longnet::config
