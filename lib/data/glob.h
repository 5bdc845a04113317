#pragma once
// Path patterns of recipes, matched against '/'-separated paths relative to the corpus root:
// `*` matches within one path component, `?` one character of it, `**` any number of whole
// components (`fs/**` is everything under fs/, `**/*.c` every C file). A pattern without '/'
// matches the last component anywhere (`*.png`), as in .gitignore.
#include <string_view>

namespace longnet::data {

bool glob_match(std::string_view pattern, std::string_view path);

}  // namespace longnet::data
