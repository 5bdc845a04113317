#pragma once
// Token and byte counts as a user writes them: 8192, 8K, 16M, 1G (binary multiples, K = 1024).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace longnet::bench {

// The count `text` stands for, or nothing when it is not a positive count (or overflows).
std::optional<int64_t> parse_count(std::string_view text);

// The shortest exact way to write `count`: 8K for 8192, 1M for 1048576, 3000 for 3000.
std::string format_count(int64_t count);

}  // namespace longnet::bench
