// The host side of a call: which passes a spec stands for and how each is cut into CTAs.
#include <algorithm>
#include <cmath>
#include <limits>

#include "attention/cuda/pass.h"
#include "common/error.h"
#include "common/int_math.h"

namespace longnet::attention::cuda_detail {
namespace {

Pass strided_pass(const Spec& spec, const Problem& problem, const Pattern& pattern) {
  Pass pass{};
  pass.kind = PassKind::strided;
  pass.causal = spec.causal;
  pass.seq_len = problem.seq_len;
  pass.period = pattern.segment;
  pass.stride = pattern.dilation;
  for (int64_t h = 0; h < problem.heads; ++h) {
    pass.head_base[h] = head_offset(pattern, h, problem.heads, spec.head_offsets);
  }
  return pass;
}

// The summary positions of earlier (or later) blocks (DESIGN.md section 3): head h reads the
// sub-block g = h mod (l / c), positions [l - (g + 1) c, l - g c) of each block.
Pass summary_pass(const Spec& spec, const Problem& problem, bool later) {
  Pass pass{};
  pass.kind = PassKind::summary;
  pass.causal = spec.causal;
  pass.later = later;
  pass.seq_len = problem.seq_len;
  pass.period = spec.sparse_block;
  pass.stride = 1;
  pass.run = spec.sparse_summary;
  const int64_t sub_blocks = spec.sparse_block / spec.sparse_summary;
  for (int64_t h = 0; h < problem.heads; ++h) {
    pass.head_base[h] = spec.sparse_block - (h % sub_blocks + 1) * spec.sparse_summary;
  }
  return pass;
}

PassTiling tiling(int64_t period, int64_t start, int64_t len, int64_t rows_per_group,
                  int tile_rows) {
  if (len == 0 || rows_per_group == 0) return {0, 1, 0};
  const int64_t first = start / period, last = (start + len - 1) / period;
  const int64_t tiles = ceil_div(rows_per_group, tile_rows);
  const int64_t blocks = (last - first + 1) * tiles;
  if (blocks > std::numeric_limits<int32_t>::max()) {
    fail<UsageError>("attention_cuda: {} thread blocks for one pass exceed the CUDA grid limit; "
                     "split the call into shorter query windows",
                     blocks);
  }
  return {first, tiles, blocks};
}

}  // namespace

std::vector<Pass> plan_passes(const Spec& spec, const Problem& problem) {
  std::vector<Pass> passes;
  if (spec.kind == Kind::sparse) {
    passes.push_back(strided_pass(spec, problem, Pattern{spec.sparse_block, 1}));
    passes.push_back(summary_pass(spec, problem, false));
    if (!spec.causal) passes.push_back(summary_pass(spec, problem, true));
    return passes;
  }
  for (const Pattern& p : effective_patterns(spec, problem.seq_len)) {
    passes.push_back(strided_pass(spec, problem, p));
  }
  return passes;
}

bool covers_every_row(const Pass& pass, int64_t heads) {
  return pass.kind == PassKind::strided && pass.stride == 1 &&
         std::all_of(pass.head_base, pass.head_base + heads, [](int64_t o) { return o == 0; });
}

CallGeometry call_geometry(const Spec& spec, const Problem& problem) {
  CallGeometry g{};
  g.heads = problem.heads;
  g.q_start = problem.q_start;
  g.q_len = problem.q_len;
  g.kv_start = problem.kv_start;
  g.kv_len = problem.kv_len;
  g.xpos = spec.xpos_scale_base > 0;
  for (int64_t p = 0; g.xpos && p < problem.head_dim / 2; ++p) {
    g.decay_log2[p] = static_cast<float>(std::log2(xpos_decay_base(p, problem.head_dim)) /
                                         spec.xpos_scale_base);
  }
  return g;
}

PassTiling query_tiling(const Pass& pass, const CallGeometry& g, int tile_rows) {
  const int64_t rows = pass.kind == PassKind::strided
                           ? ceil_div(std::min(pass.period, g.q_len), pass.stride)
                           : std::min(pass.period, g.q_len);
  return tiling(pass.period, g.q_start, g.q_len, rows, tile_rows);
}

PassTiling key_tiling(const Pass& pass, const CallGeometry& g, int tile_rows) {
  const int64_t rows = pass.kind == PassKind::strided
                           ? ceil_div(std::min(pass.period, g.kv_len), pass.stride)
                           : std::min(pass.run, g.kv_len);
  return tiling(pass.period, g.kv_start, g.kv_len, rows, tile_rows);
}

}  // namespace longnet::attention::cuda_detail
