#pragma once
// Short builders for the attention specs and geometries the CPU and GPU suites test.
#include <utility>
#include <vector>

#include "attention/spec.h"

namespace longnet::attention::testing {

inline Spec dense(bool causal, double xpos = 0) {
  Spec s;
  s.kind = Kind::dense;
  s.causal = causal;
  s.xpos_scale_base = xpos;
  return s;
}

inline Spec dilated(std::vector<Pattern> patterns, bool causal,
                    HeadOffsets rule = HeadOffsets::interleaved, double xpos = 0) {
  Spec s;
  s.kind = Kind::dilated;
  s.patterns = std::move(patterns);
  s.causal = causal;
  s.head_offsets = rule;
  s.xpos_scale_base = xpos;
  return s;
}

inline Spec sparse(int64_t block, int64_t summary, bool causal, double xpos = 0) {
  Spec s;
  s.kind = Kind::sparse;
  s.sparse_block = block;
  s.sparse_summary = summary;
  s.causal = causal;
  s.xpos_scale_base = xpos;
  return s;
}

// Queries and keys both cover the whole sequence [0, n).
inline Problem whole(int64_t batch, int64_t heads, int64_t dim, int64_t n) {
  return {.batch = batch, .heads = heads, .head_dim = dim, .seq_len = n, .q_len = n, .kv_len = n};
}

}  // namespace longnet::attention::testing
