#include "bench/counts.h"

#include <cctype>
#include <charconv>
#include <limits>

namespace longnet::bench {

namespace {

constexpr struct {
  char suffix;
  int shift;
} multiples[] = {{'G', 30}, {'M', 20}, {'K', 10}};

}  // namespace

std::optional<int64_t> parse_count(std::string_view text) {
  int shift = 0;
  if (!text.empty() && std::isalpha(static_cast<unsigned char>(text.back()))) {
    const char suffix = char(std::toupper(static_cast<unsigned char>(text.back())));
    shift = -1;
    for (const auto& m : multiples) {
      if (m.suffix == suffix) shift = m.shift;
    }
    if (shift < 0) return std::nullopt;
    text.remove_suffix(1);
  }
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 1) {
    return std::nullopt;
  }
  if (value > (std::numeric_limits<int64_t>::max() >> shift)) return std::nullopt;
  return value << shift;
}

std::string format_count(int64_t count) {
  for (const auto& m : multiples) {
    const int64_t unit = int64_t(1) << m.shift;
    if (count >= unit && count % unit == 0) return std::to_string(count / unit) + m.suffix;
  }
  return std::to_string(count);
}

}  // namespace longnet::bench
