#pragma once
// One config value: its type's name, reading it from a toml++ node with type and range checks,
// and writing it back as TOML text. Errors are ConfigError at the node's location.
#include <toml++/toml.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "config/schema.h"

namespace longnet::config {

// What a field holds, for the --set parser and the documentation.
enum class ValueKind { boolean, integer, floating, string, enumeration, integer_list, string_list };

template <class T>
constexpr bool is_enum_list = false;
template <ConfigEnum E>
constexpr bool is_enum_list<std::vector<E>> = true;

template <class T>
constexpr ValueKind kind_of() {
  if constexpr (std::is_same_v<T, bool>)
    return ValueKind::boolean;
  else if constexpr (std::is_same_v<T, int64_t>)
    return ValueKind::integer;
  else if constexpr (std::is_same_v<T, double>)
    return ValueKind::floating;
  else if constexpr (std::is_same_v<T, std::string>)
    return ValueKind::string;
  else if constexpr (ConfigEnum<T>)
    return ValueKind::enumeration;
  else if constexpr (std::is_same_v<T, std::vector<int64_t>>)
    return ValueKind::integer_list;
  else if constexpr (std::is_same_v<T, std::vector<std::string>>)
    return ValueKind::string_list;
  else if constexpr (is_enum_list<T>)
    return ValueKind::string_list;
  else
    static_assert(sizeof(T) == 0, "not a config field type");
}

// "a boolean", "an integer", "a float", "a string", "a list of integers", ...
std::string_view kind_name(ValueKind kind);

// "file:line:column" of a node. A value given on the command line carries the source path
// "--set key=value" (see config/overrides.h), which is returned alone.
std::string location(const toml::source_region& source);

// Read `node` into `value`, or throw ConfigError naming `key`, its full dotted name.
void read_value(const toml::node& node, const std::string& key, bool& value, const Limits& limits);
void read_value(const toml::node& node, const std::string& key, int64_t& value,
                const Limits& limits);
void read_value(const toml::node& node, const std::string& key, double& value,
                const Limits& limits);
void read_value(const toml::node& node, const std::string& key, std::string& value,
                const Limits& limits);
void read_value(const toml::node& node, const std::string& key, std::vector<int64_t>& value,
                const Limits& limits);
void read_value(const toml::node& node, const std::string& key, std::vector<std::string>& value,
                const Limits& limits);

// The array `node` holds, after checking that it is one and, if `limits` say so, not empty.
const toml::array& read_list(const toml::node& node, const std::string& key, ValueKind kind,
                             const Limits& limits);
std::string element_name(const std::string& key, size_t index);  // "key[index]"

[[noreturn]] void fail_enum(const toml::node& node, const std::string& key, const std::string& name,
                            std::span<const std::string> choices);

template <ConfigEnum E>
void read_value(const toml::node& node, const std::string& key, E& value, const Limits& limits) {
  std::string name;
  read_value(node, key, name, limits);
  if (auto parsed = parse_enum<E>(name)) {
    value = *parsed;
    return;
  }
  fail_enum(node, key, name, enum_choices<E>());
}

template <ConfigEnum E>
void read_value(const toml::node& node, const std::string& key, std::vector<E>& value,
                const Limits& limits) {
  const toml::array& array = read_list(node, key, ValueKind::string_list, limits);
  value.assign(array.size(), E{});
  for (size_t i = 0; i < array.size(); ++i)
    read_value(array[i], element_name(key, i), value[i], {});
}

// TOML text of a value: true, 42, 0.0006, "text", [1, 2].
std::string write_value(bool value);
std::string write_value(int64_t value);
std::string write_value(double value);
std::string write_value(const std::string& value);
std::string write_value(const std::vector<int64_t>& value);
std::string write_value(const std::vector<std::string>& value);
template <ConfigEnum E>
std::string write_value(E value) {
  return write_value(std::string(enum_name(value)));
}
template <ConfigEnum E>
std::string write_value(const std::vector<E>& value) {
  std::vector<std::string> names;
  for (E e : value) names.emplace_back(enum_name(e));
  return write_value(names);
}

}  // namespace longnet::config
