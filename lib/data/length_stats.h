#pragma once
// Document-length statistics of a split, as the manifest records them.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace longnet::data {

// The thresholds (in tokens) whose document counts the manifest reports: 2K, 8K, 32K, 128K.
inline constexpr uint64_t kLengthThresholds[] = {2048, 8192, 32768, 131072};

// Nearest-rank percentile (p in (0, 100]) of `sorted`, which must be sorted and non-empty.
uint64_t percentile(const std::vector<uint64_t>& sorted, double p);

// {"p10", "p50", "p90", "p99", "max", "mean", "at_least": {"2048": n, ...}} of token lengths;
// the percentiles are 0 for no documents.
nlohmann::json length_statistics(std::vector<uint64_t> lengths);

}  // namespace longnet::data
