#include "common/error.h"

#include <fmt/core.h>

#include <cstdio>

namespace longnet {

int report(const std::exception& e) {
  fmt::print(stderr, "longnet: error: {}\n", e.what());
  if (auto* known = dynamic_cast<const Error*>(&e)) return known->exit_code();
  return 1;
}

}  // namespace longnet
