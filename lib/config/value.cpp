#include "config/value.h"

#include <fmt/format.h>

#include <sstream>

#include "common/error.h"
#include "common/suggest.h"

namespace longnet::config {

namespace {

std::string_view node_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "a list";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

[[noreturn]] void fail_type(const toml::node& node, const std::string& key,
                            std::string_view expected) {
  fail<ConfigError>("{}: {}: expected {}, found {}", location(node.source()), key, expected,
                    node_type_name(node));
}

template <class Number>
void check_limits(const toml::node& node, const std::string& key, Number value,
                  const Limits& limits) {
  if (!limits.admits(double(value)))
    fail<ConfigError>("{}: {} = {} is out of range: {}", location(node.source()), key, value,
                      limits.describe());
}

int64_t read_integer(const toml::node& node, const std::string& key, const Limits& limits) {
  auto* integer = node.as_integer();
  if (!integer) fail_type(node, key, kind_name(ValueKind::integer));
  check_limits(node, key, integer->get(), limits);
  return integer->get();
}

std::string read_string(const toml::node& node, const std::string& key, const Limits& limits) {
  auto* string = node.as_string();
  if (!string) fail_type(node, key, kind_name(ValueKind::string));
  if (limits.non_empty && string->get().empty())
    fail<ConfigError>("{}: {} must not be empty", location(node.source()), key);
  return string->get();
}

template <class Element, class ReadElement>
std::vector<Element> read_elements(const toml::node& node, const std::string& key, ValueKind kind,
                                   const Limits& limits, ReadElement read_element) {
  const toml::array& array = read_list(node, key, kind, limits);
  std::vector<Element> values;
  for (size_t i = 0; i < array.size(); ++i)
    values.push_back(read_element(array[i], element_name(key, i), limits));
  return values;
}

}  // namespace

std::string Limits::describe() const {
  if (min && max)
    return fmt::format("must be in {}{}, {}{}", min_open ? '(' : '[', *min, *max,
                       max_open ? ')' : ']');
  if (min) return fmt::format("must be {} {}", min_open ? ">" : ">=", *min);
  if (max) return fmt::format("must be {} {}", max_open ? "<" : "<=", *max);
  return "";
}

bool Limits::admits(double value) const {
  if (min && (min_open ? value <= *min : value < *min)) return false;
  if (max && (max_open ? value >= *max : value > *max)) return false;
  return true;
}

Limits operator|(Limits a, const Limits& b) {
  if (b.min) a.min = b.min, a.min_open = b.min_open;
  if (b.max) a.max = b.max, a.max_open = b.max_open;
  a.non_empty = a.non_empty || b.non_empty;
  return a;
}

std::string_view kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::boolean: return "a boolean";
    case ValueKind::integer: return "an integer";
    case ValueKind::floating: return "a float";
    case ValueKind::string: return "a string";
    case ValueKind::enumeration: return "a string";
    case ValueKind::integer_list: return "a list of integers";
    case ValueKind::string_list: return "a list of strings";
  }
  return "?";
}

std::string location(const toml::source_region& source) {
  std::string path = source.path ? *source.path : std::string("<config>");
  if (path.starts_with("--set ")) return path;
  return fmt::format("{}:{}:{}", path, source.begin.line, source.begin.column);
}

void read_value(const toml::node& node, const std::string& key, bool& value, const Limits&) {
  auto* boolean = node.as_boolean();
  if (!boolean) fail_type(node, key, kind_name(ValueKind::boolean));
  value = boolean->get();
}

void read_value(const toml::node& node, const std::string& key, int64_t& value,
                const Limits& limits) {
  value = read_integer(node, key, limits);
}

void read_value(const toml::node& node, const std::string& key, double& value,
                const Limits& limits) {
  // An integer is a fine float: `lr = 1` means 1.0.
  if (auto* integer = node.as_integer())
    value = double(integer->get());
  else if (auto* floating = node.as_floating_point())
    value = floating->get();
  else
    fail_type(node, key, kind_name(ValueKind::floating));
  check_limits(node, key, value, limits);
}

void read_value(const toml::node& node, const std::string& key, std::string& value,
                const Limits& limits) {
  value = read_string(node, key, limits);
}

void read_value(const toml::node& node, const std::string& key, std::vector<int64_t>& value,
                const Limits& limits) {
  value = read_elements<int64_t>(node, key, ValueKind::integer_list, limits, read_integer);
}

void read_value(const toml::node& node, const std::string& key, std::vector<std::string>& value,
                const Limits& limits) {
  // Emptiness applies to the list; its strings are only checked for type.
  value = read_elements<std::string>(node, key, ValueKind::string_list, limits,
                                     [](const toml::node& n, const std::string& k, const Limits&) {
                                       return read_string(n, k, {});
                                     });
}

const toml::array& read_list(const toml::node& node, const std::string& key, ValueKind kind,
                             const Limits& limits) {
  auto* array = node.as_array();
  if (!array) fail_type(node, key, kind_name(kind));
  if (limits.non_empty && array->empty())
    fail<ConfigError>("{}: {} must not be empty", location(node.source()), key);
  return *array;
}

std::string element_name(const std::string& key, size_t index) {
  return fmt::format("{}[{}]", key, index);
}

void fail_enum(const toml::node& node, const std::string& key, const std::string& name,
               std::span<const std::string> choices) {
  std::string suggestion = closest_match(name, choices);
  fail<ConfigError>("{}: {} = '{}' is not one of: {}{}", location(node.source()), key, name,
                    fmt::join(choices, ", "),
                    suggestion.empty() ? "" : fmt::format("; did you mean '{}'?", suggestion));
}

std::string write_value(bool value) { return value ? "true" : "false"; }

std::string write_value(int64_t value) { return fmt::format("{}", value); }

std::string write_value(double value) {
  // Shortest text that reads back to the same double, kept a float for TOML ("2.0", not "2").
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

std::string write_value(const std::string& value) {
  std::ostringstream out;
  toml::value<std::string> node{value};
  out << toml::toml_formatter{node, toml::format_flags::none};
  return out.str();
}

std::string write_value(const std::vector<int64_t>& value) {
  return fmt::format("[{}]", fmt::join(value, ", "));
}

std::string write_value(const std::vector<std::string>& value) {
  std::vector<std::string> items;
  for (const auto& item : value) items.push_back(write_value(item));
  return fmt::format("[{}]", fmt::join(items, ", "));
}

}  // namespace longnet::config
