#include <gtest/gtest.h>

#include "data/text_segments.h"

namespace longnet::data {

namespace {

struct Split {
  std::string joined;
  std::string runs;  // text runs separated by '|'
  std::string raw;   // raw bytes
  SegmentCounts counts;
};

Split split(std::string_view text) {
  Split s;
  s.counts = split_segments(
      text,
      [&](std::string_view run) {
        s.joined += run;
        s.runs += std::string(run) + "|";
      },
      [&](uint8_t byte) {
        s.joined += char(byte);
        s.raw += char(byte);
      });
  return s;
}

}  // namespace

TEST(TextSegments, WellFormedUtf8IsOneRun) {
  const std::string text = "int x;\t// h\xC3\xA9llo \xE4\xB8\x96 \xF0\x9F\x98\x80\n";
  const auto s = split(text);
  EXPECT_EQ(s.runs, text + "|");
  EXPECT_EQ(s.counts.invalid_utf8_bytes, 0u);
  EXPECT_EQ(s.counts.raw_bytes, 0u);
}

TEST(TextSegments, MalformedBytesAreRawAndCounted) {
  // A lone continuation byte, an overlong '/', a surrogate, a byte above F4, a truncated
  // three-byte sequence at the end: 1 + 2 + 3 + 1 + 2 invalid bytes.
  const std::string text = std::string("a\x80") + "b\xC0\xAF" + "c\xED\xA0\x80" + "d\xF5" + "e\xE4\xB8";
  const auto s = split(text);
  EXPECT_EQ(s.joined, text);
  EXPECT_EQ(s.counts.invalid_utf8_bytes, 9u);
  EXPECT_EQ(s.runs, "a|b|c|d|e|");
}

TEST(TextSegments, SymbolsTheTokenizerReservesAreRawButNotInvalid) {
  const std::string text = std::string("x") + std::string(kSpaceSymbol) + "y" + std::string(kTabSymbol) + "z" +
                           std::string(1, '\0') + "w";
  const auto s = split(text);
  EXPECT_EQ(s.joined, text);
  EXPECT_EQ(s.runs, "x|y|z|w|");
  EXPECT_EQ(s.raw, std::string(kSpaceSymbol) + std::string(kTabSymbol) + std::string(1, '\0'));
  EXPECT_EQ(s.counts.invalid_utf8_bytes, 0u);
  EXPECT_EQ(s.counts.raw_bytes, 7u);
}

TEST(TextSegments, TabsBecomeTheTabSymbol) {
  EXPECT_EQ(tabs_to_symbol("\ta\t\t"), std::string(kTabSymbol) + "a" + std::string(kTabSymbol) + std::string(kTabSymbol));
}

}  // namespace longnet::data
