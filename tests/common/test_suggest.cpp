#include <gtest/gtest.h>

#include "common/suggest.h"

namespace longnet {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("segement_lengths", "segment_lengths"), 1u);
}

TEST(ClosestMatch, SuggestsATypoAndNothingForAStranger) {
  std::vector<std::string> keys{"segment_lengths", "dilation_rates", "causal", "kind"};
  EXPECT_EQ(closest_match("segement_lengths", keys), "segment_lengths");
  EXPECT_EQ(closest_match("dilation_rate", keys), "dilation_rates");
  EXPECT_EQ(closest_match("casual", keys), "causal");
  EXPECT_EQ(closest_match("learning_rate", keys), "");
}

}  // namespace longnet
