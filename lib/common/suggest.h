#pragma once
// "Did you mean ...?" for misspelt keys and options.
#include <span>
#include <string>
#include <string_view>

namespace longnet {

// Levenshtein distance between two strings.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, or "" when none is close enough to be a plausible typo
// (distance at most a third of the word's length, and at least 1 allowed).
std::string closest_match(std::string_view word, std::span<const std::string> candidates);

}  // namespace longnet
