#pragma once
// A small config exercising every field type of the generic machinery, independent of the
// experiment config.
#include <cstdint>
#include <string>
#include <vector>

#include "config/schema.h"

namespace longnet::config::testing {

enum class Shape { round, square, pointy };
constexpr std::array<EnumName<Shape>, 3> enum_names(Shape) {
  return {{{Shape::round, "round"}, {Shape::square, "square"}, {Shape::pointy, "pointy"}}};
}

struct Inner {
  int64_t block = 16;
  int64_t summary = 4;
  template <class V>
  void visit(V& v) {
    v.field("block", block, "Block length.", at_least(1));
    v.field("summary", summary, "Summary positions per block.", at_least(1));
  }
  void validate(const Checker& check) const {
    check.require(summary <= block, {"summary", "block"},
                  check.name("summary") + " must be <= " + check.name("block"));
  }
  bool operator==(const Inner&) const = default;
};

struct Toy {
  bool flag = false;
  int64_t count = 3;
  double rate = 0.5;
  std::string name = "toy";
  Shape shape = Shape::round;
  std::vector<int64_t> sizes = {1, 2};
  std::vector<std::string> tags = {"a"};
  Inner inner;
  template <class V>
  void visit(V& v) {
    v.field("flag", flag, "A switch.");
    v.field("count", count, "How many.", in_range(1, 10));
    v.field("rate", rate, "A rate in [0, 1).", in_range_below(0, 1));
    v.field("name", name, "A name.", non_empty());
    v.field("shape", shape, "A shape.");
    v.field("sizes", sizes, "Sizes, each >= 1.", at_least(1) | non_empty());
    v.field("tags", tags, "Tags.");
    v.table("inner", inner, "A sub-table.");
  }
  bool operator==(const Toy&) const = default;
};

}  // namespace longnet::config::testing
