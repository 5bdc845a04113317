#pragma once
// Train/valid/test assignment by a hash of the document's name: deterministic, independent of
// the order and number of other documents, and stable when a document's content changes.
#include <array>
#include <cstdint>
#include <string_view>

#include "data/recipe.h"

namespace longnet::data {

enum class Split { train = 0, valid = 1, test = 2 };
inline constexpr std::array<Split, 3> kSplits = {Split::train, Split::valid, Split::test};
std::string_view split_name(Split split);

Split assign_split(std::string_view document_name, const SplitSpec& spec);

}  // namespace longnet::data
