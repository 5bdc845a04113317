#pragma once
// Where each key's value came from, and the cross-field check hook that reports against it.
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

namespace longnet::config {

// Locations of the keys that were given ("file:line:column" or "--set key=value"), by full
// dotted key name. A key left at its default has none and is reported at the document's name.
class Origins {
 public:
  explicit Origins(std::string document) : document_(std::move(document)) {}
  void record(std::string key, std::string where) { where_[std::move(key)] = std::move(where); }
  // The key's location, or nullptr when it was not given.
  const std::string* find(std::string_view key) const;
  const std::string& document() const { return document_; }

 private:
  std::string document_;
  std::map<std::string, std::string, std::less<>> where_;
};

// Passed to a config struct's validate(): names keys of its table in full and throws
// ConfigError at the location of the first of them that was given.
class Checker {
 public:
  Checker(const Origins& origins, std::string prefix)
      : origins_(origins), prefix_(std::move(prefix)) {}

  // "train.seq_len" for "seq_len" in [train]; the root table's checker names "model.dim".
  std::string name(std::string_view key) const;

  [[noreturn]] void fail(std::initializer_list<std::string_view> keys,
                         std::string_view message) const;
  void require(bool ok, std::initializer_list<std::string_view> keys,
               std::string_view message) const {
    if (!ok) fail(keys, message);
  }

 private:
  const Origins& origins_;
  std::string prefix_;
};

}  // namespace longnet::config
