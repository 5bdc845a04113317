#pragma once
// Which rows a pass's group reads, as maps from an index to a global position. Rows are read in
// place from these positions: a dilated group is a strided map, a summary key set is a map of
// runs, and no gathered copy of Q, K or V is ever made.
#include <cstdint>

#include "attention/cuda/pass.h"

namespace longnet::attention::cuda_detail {

__host__ __device__ inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Index m < count maps to base + (m / run) * period + (m % run) * stride, increasing in m.
struct RowMap {
  int64_t base, stride, run, period, count;

  __device__ int64_t pos(int64_t m) const { return base + (m / run) * period + (m % run) * stride; }

  // How many indices map below position p.
  __device__ int64_t count_below(int64_t p) const {
    const int64_t x = p - base;
    if (x <= 0) return 0;
    const int64_t full = x / period, rem = x - full * period;
    const int64_t n = full * run + min(run, ceil_div(rem, stride));
    return min(n, count);
  }
};

// Positions base, base + stride, ... below end, as one run.
__device__ inline RowMap strided_rows(int64_t base, int64_t end, int64_t stride) {
  const int64_t count = end > base ? ceil_div(end - base, stride) : 0;
  const int64_t run = count > 0 ? count : 1;
  return {base, stride, run, run * stride, count};
}

struct Group {
  RowMap q, k;
};

// Groups that partition the queries (forward, dQ): each query is in at most one group of a pass.
__device__ inline Group query_group(const Pass& p, int head, int64_t s) {
  const int64_t start = s * p.period, end = min(start + p.period, p.seq_len);
  if (p.kind == PassKind::strided) {
    const RowMap rows = strided_rows(start + p.head_base[head], end, p.stride);
    return {rows, rows};
  }
  const RowMap q = strided_rows(start, end, 1);
  if (!p.later) return {q, RowMap{p.head_base[head], 1, p.run, p.period, s * p.run}};
  RowMap k{start + p.period + p.head_base[head], 1, p.run, p.period, INT64_MAX};
  k.count = k.count_below(p.seq_len);
  return {q, k};
}

// Groups that partition the keys (dK, dV): each key is in at most one group of a pass.
__device__ inline Group key_group(const Pass& p, int head, int64_t s) {
  if (p.kind == PassKind::strided) return query_group(p, head, s);
  const int64_t start = s * p.period, key_base = start + p.head_base[head];
  const RowMap k = strided_rows(key_base, min(key_base + p.run, p.seq_len), 1);
  if (p.later) return {strided_rows(0, start, 1), k};
  return {strided_rows(start + p.period, p.seq_len, 1), k};
}

}  // namespace longnet::attention::cuda_detail
