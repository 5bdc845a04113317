// The generic TOML machinery on a toy config: reading, every error kind, --set, writing.
#include <gtest/gtest.h>

#include "common/error.h"
#include "config/load.h"
#include "config/toml_writer.h"
#include "expect_contains.h"
#include "toy_config.h"

namespace longnet::config::testing {

namespace {

Toy parse(const std::string& text, std::vector<std::string> sets = {}) {
  return parse_config<Toy>(text, "toy.toml", sets);
}

// The message of the ConfigError that reading `text` throws ("" if none).
std::string config_error(const std::string& text, std::vector<std::string> sets = {}) {
  try {
    parse(text, sets);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ConfigSchema, AnEmptyFileGivesTheDefaults) { EXPECT_EQ(parse(""), Toy{}); }

TEST(ConfigSchema, ReadsEveryFieldType) {
  Toy toy = parse(R"(flag = true
count = 7
rate = 0.25
name = "other"
shape = "pointy"
sizes = [4, 5, 6]
tags = ["x", "y"]
[inner]
block = 32
summary = 8
)");
  Toy expected;
  expected.flag = true;
  expected.count = 7;
  expected.rate = 0.25;
  expected.name = "other";
  expected.shape = Shape::pointy;
  expected.sizes = {4, 5, 6};
  expected.tags = {"x", "y"};
  expected.inner = {32, 8};
  EXPECT_EQ(toy, expected);
}

TEST(ConfigSchema, AnIntegerIsAcceptedForAFloat) { EXPECT_EQ(parse("rate = 0").rate, 0.0); }

TEST(ConfigSchema, UnknownKeyNamesFileLineColumnAndSuggests) {
  auto message = config_error("flag = true\n\n  cuont = 3\n");
  EXPECT_CONTAINS(message, "toy.toml:3:3:");
  EXPECT_CONTAINS(message, "unknown key 'cuont'");
  EXPECT_CONTAINS(message, "did you mean 'count'?");
}

TEST(ConfigSchema, UnknownKeyInASubTableUsesTheFullNameAndThatTablesKeys) {
  auto message = config_error("[inner]\nblok = 3\n");
  EXPECT_CONTAINS(message, "toy.toml:2:1:");
  EXPECT_CONTAINS(message, "'inner.blok'");
  EXPECT_CONTAINS(message, "did you mean 'block'?");
}

TEST(ConfigSchema, UnknownKeyFarFromAnyListsTheValidKeys) {
  auto message = config_error("[inner]\nzzzzzzzz = 3\n");
  EXPECT_CONTAINS(message, "block, summary");
}

TEST(ConfigSchema, WrongTypeSaysExpectedAndFound) {
  auto message = config_error("\ncount = \"three\"\n");
  EXPECT_CONTAINS(message, "toy.toml:2:9:");
  EXPECT_CONTAINS(message, "count: expected an integer, found a string");
  EXPECT_CONTAINS(config_error("count = 2.5"), "expected an integer, found a float");
  EXPECT_CONTAINS(config_error("flag = 1"), "flag: expected a boolean, found an integer");
  EXPECT_CONTAINS(config_error("inner = 1"), "inner: expected a table, found a value");
}

TEST(ConfigSchema, WrongTypeOfAListElementNamesItsIndex) {
  auto message = config_error("sizes = [1, \"two\"]");
  EXPECT_CONTAINS(message, "toy.toml:1:13:");
  EXPECT_CONTAINS(message, "sizes[1]: expected an integer, found a string");
}

TEST(ConfigSchema, OutOfRangeSaysTheAllowedRange) {
  EXPECT_CONTAINS(config_error("count = 11"), "count = 11 is out of range: must be in [1, 10]");
  EXPECT_CONTAINS(config_error("rate = 1.0"), "rate = 1 is out of range: must be in [0, 1)");
  EXPECT_CONTAINS(config_error("[inner]\nblock = 0"),
                  "inner.block = 0 is out of range: must be >= 1");
  EXPECT_CONTAINS(config_error("sizes = [3, 0]"), "sizes[1] = 0 is out of range: must be >= 1");
}

TEST(ConfigSchema, EmptyValuesAreRejectedWhereNonEmptyIsRequired) {
  EXPECT_CONTAINS(config_error("name = \"\""), "name must not be empty");
  EXPECT_CONTAINS(config_error("sizes = []"), "sizes must not be empty");
  EXPECT_EQ(parse("tags = []").tags, std::vector<std::string>{});
}

TEST(ConfigSchema, BadEnumListsTheAllowedValues) {
  auto message = config_error("shape = \"sqare\"");
  EXPECT_CONTAINS(message, "toy.toml:1:9:");
  EXPECT_CONTAINS(message, "shape = 'sqare' is not one of: round, square, pointy");
  EXPECT_CONTAINS(message, "did you mean 'square'?");
}

TEST(ConfigSchema, SyntaxErrorNamesLineAndColumn) {
  auto message = config_error("count = 3\nrate = = 2\n");
  EXPECT_CONTAINS(message, "toy.toml:2:");
  EXPECT_CONTAINS(message, "TOML syntax error");
}

TEST(ConfigSchema, ValidateHookReportsAtTheKeyItNames) {
  auto message = config_error("[inner]\nblock = 8\nsummary = 9\n");
  EXPECT_CONTAINS(message, "toy.toml:3:1:");
  EXPECT_CONTAINS(message, "inner.summary must be <= inner.block");
}

TEST(ConfigSchema, ValidateHookFallsBackToTheDocumentForDefaults) {
  auto message = config_error("[inner]\nblock = 2\n");  // summary keeps its default 4
  EXPECT_CONTAINS(message, "toy.toml:2:1:");
  Toy bad;
  bad.inner.summary = 100;
  try {
    validate(bad, Origins("<defaults>"));
    FAIL() << "summary > block passed validation";
  } catch (const ConfigError& e) {
    EXPECT_CONTAINS(e.what(), "<defaults>: inner.summary must be <= inner.block");
  }
}

TEST(ConfigOverride, SetsEachTypeFromTomlText) {
  Toy toy = parse("count = 2\n", {"count=5", "rate=2.5e-1", "flag=true", "sizes=[7, 8]",
                                  "shape=square", "name=bare", "tags=[p, q]", "inner.block=64"});
  EXPECT_EQ(toy.count, 5);
  EXPECT_EQ(toy.rate, 0.25);
  EXPECT_TRUE(toy.flag);
  EXPECT_EQ(toy.sizes, (std::vector<int64_t>{7, 8}));
  EXPECT_EQ(toy.shape, Shape::square);
  EXPECT_EQ(toy.name, "bare");
  EXPECT_EQ(toy.tags, (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(toy.inner.block, 64);
}

TEST(ConfigOverride, QuotedStringsKeepTheirText) {
  EXPECT_EQ(parse("", {"name=\"a b\""}).name, "a b");
  EXPECT_EQ(parse("", {"tags=[\"x,y\"]"}).tags, std::vector<std::string>{"x,y"});
}

TEST(ConfigOverride, IsTypeAndRangeCheckedLikeTheFile) {
  auto message = config_error("", {"count=true"});
  EXPECT_CONTAINS(message, "--set count=true: count: expected an integer, found a boolean");
  EXPECT_CONTAINS(config_error("", {"count=0"}), "--set count=0: count = 0 is out of range");
  EXPECT_CONTAINS(config_error("", {"shape=oval"}), "is not one of: round, square, pointy");
  EXPECT_CONTAINS(config_error("", {"count=abc"}), "--set count=abc: 'abc' is not a TOML value");
}

TEST(ConfigOverride, ValidateHookCitesTheSetOption) {
  auto message = config_error("[inner]\nblock = 8\n", {"inner.summary=9"});
  EXPECT_CONTAINS(message, "--set inner.summary=9: inner.summary must be <= inner.block");
}

TEST(ConfigOverride, UnknownKeySuggestsTheClosest) {
  auto message = config_error("", {"inner.blok=3"});
  EXPECT_CONTAINS(message, "unknown key 'inner.blok'");
  EXPECT_CONTAINS(message, "did you mean 'inner.block'?");
}

TEST(ConfigOverride, WithoutEqualsIsAUsageError) {
  EXPECT_THROW(parse("", {"count"}), UsageError);
  try {
    parse("", {"count"});
  } catch (const UsageError& e) {
    EXPECT_CONTAINS(e.what(), "--set 'count': expected KEY=VALUE");
  }
}

TEST(ConfigWriter, RoundTripsThroughTomlText) {
  Toy toy;
  toy.flag = true;
  toy.rate = 6e-4;
  toy.name = "quote \" and \\ backslash";
  toy.shape = Shape::pointy;
  toy.sizes = {9};
  toy.tags = {};
  toy.inner = {128, 2};
  EXPECT_EQ(parse(to_toml(toy)), toy) << to_toml(toy);
}

TEST(ConfigWriter, WritesFloatsAsFloatsAndTablesAsSections) {
  Toy toy;
  toy.rate = 0;
  auto text = to_toml(toy);
  EXPECT_CONTAINS(text, "rate = 0.0\n");
  EXPECT_CONTAINS(text, "shape = \"round\"\n");
  EXPECT_CONTAINS(text, "\n[inner]\nblock = 16\n");
}

TEST(ConfigDescribe, ListsEveryKeyWithTypeDefaultAndLimits) {
  auto fields = describe<Toy>();
  ASSERT_EQ(fields.size(), 9u);
  EXPECT_EQ(fields[0].key, "flag");
  EXPECT_EQ(fields[1].limits, "must be in [1, 10]");
  EXPECT_EQ(fields[4].type, "a string: one of round, square, pointy");
  EXPECT_EQ(fields[5].limits, "must be >= 1; must not be empty");
  EXPECT_EQ(fields[7].key, "inner.block");
  EXPECT_EQ(fields[7].value, "16");
  EXPECT_EQ(fields[8].doc, "Summary positions per block.");
}

}  // namespace longnet::config::testing
