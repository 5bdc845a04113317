#pragma once
// Runs the validate() hooks of a config struct and of its sub-tables, innermost first, so that
// a cross-field check may rely on each table being valid on its own.
#include <string>

#include "config/schema.h"

namespace longnet::config {

class Validator {
 public:
  Validator(std::string prefix, const Origins& origins)
      : prefix_(std::move(prefix)), origins_(origins) {}

  template <class T>
  void field(std::string_view, T&, std::string_view, Limits = {}) {}

  template <ConfigTable S>
  void table(std::string_view key, S& sub, std::string_view) {
    run(prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key), sub, origins_);
  }

  template <ConfigTable S>
  static void run(const std::string& prefix, S& value, const Origins& origins) {
    Validator inner(prefix, origins);
    value.visit(inner);
    if constexpr (HasValidate<S>) value.validate(Checker(origins, prefix));
  }

 private:
  std::string prefix_;
  const Origins& origins_;
};

// Throws ConfigError at the location `origins` gives for the keys a failed check names.
template <ConfigTable S>
void validate(const S& value, const Origins& origins) {
  S copy = value;
  Validator::run("", copy, origins);
}

}  // namespace longnet::config
