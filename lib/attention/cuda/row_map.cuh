#pragma once
// Which rows a pass's group reads, as maps from an index to a global position. Rows are read in
// place from these positions: a dilated group is a strided map, a summary key set is a map of
// runs, and no gathered copy of Q, K or V is ever made.
#include <cstdint>

#include "attention/cuda/pass.h"
#include "common/int_math.h"

namespace longnet::attention::cuda_detail {

// Index m < count maps to base + (m / run) * period + (m % run) * stride, increasing in m.
struct RowMap {
  int64_t base, stride, run, period, count;

  __device__ int64_t pos(int64_t m) const {
    if (m < run) return base + m * stride;  // every strided map: no 64-bit division
    return base + (m / run) * period + (m % run) * stride;
  }

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

// What one CTA does in a pass: it owns rows [first, first + rows) of one side of a group and
// visits indices [lo, hi) of the other side (rows == 0: nothing).
struct TileWork {
  Group grp;
  int64_t first;
  int rows;
  int64_t lo, hi;
};

// Owns a tile of a group's queries (forward, dQ); visits the keys they can see.
__device__ inline TileWork query_tile_work(const Pass& p, const CallGeometry& g, int head,
                                           int64_t group, int64_t tile, int tile_rows) {
  TileWork w{query_group(p, head, group)};
  const int64_t end = w.grp.q.count_below(g.q_start + g.q_len);
  w.first = w.grp.q.count_below(g.q_start) + tile * tile_rows;
  w.rows = w.first < end ? static_cast<int>(min(int64_t{tile_rows}, end - w.first)) : 0;
  w.lo = w.grp.k.count_below(g.kv_start);
  w.hi = w.grp.k.count_below(g.kv_start + g.kv_len);
  if (p.causal && w.rows > 0) {
    w.hi = min(w.hi, w.grp.k.count_below(w.grp.q.pos(w.first + w.rows - 1) + 1));
  }
  return w;
}

// Owns a tile of a group's keys (dK, dV); visits the queries that can see them.
__device__ inline TileWork key_tile_work(const Pass& p, const CallGeometry& g, int head,
                                         int64_t group, int64_t tile, int tile_rows) {
  TileWork w{key_group(p, head, group)};
  const int64_t end = w.grp.k.count_below(g.kv_start + g.kv_len);
  w.first = w.grp.k.count_below(g.kv_start) + tile * tile_rows;
  w.rows = w.first < end ? static_cast<int>(min(int64_t{tile_rows}, end - w.first)) : 0;
  w.lo = w.grp.q.count_below(g.q_start);
  w.hi = w.grp.q.count_below(g.q_start + g.q_len);
  if (p.causal && w.rows > 0) w.lo = max(w.lo, w.grp.q.count_below(w.grp.k.pos(w.first)));
  return w;
}

}  // namespace longnet::attention::cuda_detail
