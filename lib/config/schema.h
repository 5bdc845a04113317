#pragma once
// Typed configuration structs, declared once and then read from TOML, written back as TOML,
// overridden with `--set`, checked and documented by generic visitors.
//
// A config struct lists its keys in one member template, in the order they are written out:
//
//   struct Sparse {
//     int64_t block = 2048;
//     int64_t summary = 128;
//     template <class V> void visit(V& v) {
//       v.field("block", block, "Block length l.", at_least(1));
//       v.field("summary", summary, "Summary positions c per block.", at_least(1));
//     }
//     void validate(const Checker& check) const;   // optional: cross-field checks
//   };
//
// A sub-table is `v.table("sparse", sparse, "doc")`. Field types: bool, int64_t, double,
// std::string, an enum that has enum_names() (below), and std::vector of int64_t, std::string
// or such an enum. Limits apply to a number, or to each element of a list.
//
// The visitors: config/toml_reader.h (TOML -> struct), config/toml_writer.h (struct -> TOML),
// config/describe.h (key, type, default, doc), config/overrides.h (`--set a.b=v`);
// config/load.h ties them together. Errors are ConfigError with file:line:column and the key's
// full dotted name.
#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "config/checker.h"

namespace longnet::config {

// The allowed values of a number (or of each element of a list), and whether a string or list
// may be empty. Combine with |: `at_least(1) | non_empty()`.
struct Limits {
  std::optional<double> min{}, max{};
  bool min_open = false, max_open = false;  // exclusive bounds
  bool non_empty = false;

  // "must be >= 1", "must be in [0, 1)", or "" when unlimited.
  std::string describe() const;
  bool admits(double value) const;
};

Limits operator|(Limits a, const Limits& b);
inline Limits at_least(double v) { return {.min = v}; }
inline Limits greater_than(double v) { return {.min = v, .min_open = true}; }
inline Limits at_most(double v) { return {.max = v}; }
inline Limits in_range(double lo, double hi) { return {.min = lo, .max = hi}; }
// [lo, hi): for Adam's betas, which must stay below 1.
inline Limits in_range_below(double lo, double hi) {
  return {.min = lo, .max = hi, .max_open = true};
}
inline Limits non_empty() { return {.non_empty = true}; }

// An enum becomes a config type by declaring, next to it (found by argument-dependent lookup):
//   constexpr std::array<EnumName<Kind>, 3> enum_names(Kind) { return {{{Kind::a, "a"}, ...}}; }
template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

template <class E>
concept ConfigEnum = std::is_enum_v<E> && requires(E e) {
  enum_names(e);
};

template <ConfigEnum E>
std::string_view enum_name(E value) {
  for (const auto& entry : enum_names(E{}))
    if (entry.value == value) return entry.name;
  return "?";
}

template <ConfigEnum E>
std::optional<E> parse_enum(std::string_view name) {
  for (const auto& entry : enum_names(E{}))
    if (entry.name == name) return entry.value;
  return std::nullopt;
}

template <ConfigEnum E>
std::vector<std::string> enum_choices() {
  std::vector<std::string> names;
  for (const auto& entry : enum_names(E{})) names.emplace_back(entry.name);
  return names;
}

// Any struct with a visit() member template is a config table.
struct ConceptProbe {
  template <class T>
  void field(std::string_view, T&, std::string_view, Limits = {}) {}
  template <class S>
  void table(std::string_view, S&, std::string_view) {}
};
template <class S>
concept ConfigTable = std::is_class_v<S> && requires(S s, ConceptProbe p) {
  s.visit(p);
};

template <class S>
concept HasValidate = requires(const S s, const Checker& c) {
  s.validate(c);
};

}  // namespace longnet::config
