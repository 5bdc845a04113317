#pragma once
// EXPECT that a message contains a piece of text, printing the message when it does not.
#include <gtest/gtest.h>

#include <string>

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)
