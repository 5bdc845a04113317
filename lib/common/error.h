#pragma once
// The error kinds of the tool. Each maps to one process exit code (DESIGN.md section 6):
// usage and configuration mistakes exit 2, everything else exits 1.
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace longnet {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  virtual int exit_code() const = 0;
};

// A bad command line: unknown option, missing argument, malformed --set.
class UsageError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return 2; }
};

// A bad configuration or recipe file: unknown key, wrong type, out-of-range value.
class ConfigError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return 2; }
};

// Anything that goes wrong while doing the work: I/O, corrupt files, out of memory, NaN loss.
class RuntimeError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return 1; }
};

template <class E, class... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw E(fmt::format(format, std::forward<Args>(args)...));
}

// Prints "longnet: error: <what>" to stderr and returns the exit code for the exception.
int report(const std::exception& e);

}  // namespace longnet
