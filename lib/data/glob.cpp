#include "data/glob.h"

#include <vector>

namespace longnet::data {

namespace {

// Matches one component against a pattern component holding '*' and '?'.
bool match_component(std::string_view pattern, std::string_view name) {
  size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool match_components(const std::vector<std::string_view>& pattern, size_t p,
                      const std::vector<std::string_view>& path, size_t n) {
  if (p == pattern.size()) return n == path.size();
  if (pattern[p] == "**") {
    for (size_t skip = n; skip <= path.size(); ++skip) {
      if (match_components(pattern, p + 1, path, skip)) return true;
    }
    return false;
  }
  return n < path.size() && match_component(pattern[p], path[n]) &&
         match_components(pattern, p + 1, path, n + 1);
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  const auto path_parts = components(path);
  if (pattern.find('/') == std::string_view::npos) {
    return !path_parts.empty() && match_component(pattern, path_parts.back());
  }
  return match_components(components(pattern), 0, path_parts, 0);
}

}  // namespace longnet::data
