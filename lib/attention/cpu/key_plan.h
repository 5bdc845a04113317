#pragma once
// Which keys the queries of one tile read, as arithmetic runs of positions, so the kernels walk
// keys in place (a dilated pattern is a run with step r; no gathered copies).
#include <cstdint>
#include <vector>

#include "attention/spec.h"

namespace longnet::attention::cpu {

// Positions first, first + step, ..., first + (count - 1) * step.
struct KeyRun {
  int64_t first, step, count;
};

// Queries (global positions, ascending) that read the same runs of keys. With causal masking a
// query also drops the keys after itself; the runs end at the last query.
struct QueryGroup {
  std::vector<int64_t> rows;
  std::vector<KeyRun> runs;
};

// One softmax term set: a dilated pattern, or the whole key set of dense or sparse attention.
// Within a component every key appears once per query; the multiset of DESIGN.md section 3 is
// the union over components.
using Component = std::vector<QueryGroup>;

// The components of head h for the query positions [begin, end) (inside the q window), with
// every run clipped to the kv window.
std::vector<Component> plan_tile(const Spec& spec, const Problem& problem, int64_t head,
                                 int64_t begin, int64_t end);

// Keys per block of a run with this step. With XPOS the block spans at most scale_base positions,
// so the key-side factor z^(-(j - c)/scale_base) stays below 1/z_0 whatever the dilation.
int64_t key_block_size(const Spec& spec, int64_t step);

// Positions per query tile: the unit of parallel work.
inline constexpr int64_t kQueryTile = 64;

}  // namespace longnet::attention::cpu
