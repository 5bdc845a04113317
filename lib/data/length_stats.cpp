#include "data/length_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace longnet::data {

uint64_t percentile(const std::vector<uint64_t>& sorted, double p) {
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * double(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

nlohmann::json length_statistics(std::vector<uint64_t> lengths) {
  std::sort(lengths.begin(), lengths.end());
  nlohmann::json stats;
  for (double p : {10.0, 50.0, 90.0, 99.0}) {
    stats["p" + std::to_string(int(p))] = lengths.empty() ? 0 : percentile(lengths, p);
  }
  stats["max"] = lengths.empty() ? 0 : lengths.back();
  stats["mean"] = lengths.empty() ? 0.0
                                  : double(std::accumulate(lengths.begin(), lengths.end(), uint64_t{0})) /
                                        double(lengths.size());
  nlohmann::json at_least;
  for (uint64_t threshold : kLengthThresholds) {
    at_least[std::to_string(threshold)] =
        lengths.end() - std::lower_bound(lengths.begin(), lengths.end(), threshold);
  }
  stats["at_least"] = at_least;
  return stats;
}

}  // namespace longnet::data
