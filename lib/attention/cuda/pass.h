#pragma once
// A kernel pass: one key set per query group, for every head. Dense and dilated patterns are
// strided passes (segment w', dilation r, head offset o); sparse-fixed is a strided pass over
// its blocks plus a summary pass. Plain data shared by the host planner and the kernels.
#include <cstdint>
#include <vector>

#include "attention/spec.h"

namespace longnet::attention::cuda_detail {

constexpr int kMaxHeads = 256;
constexpr int kMaxPairs = 64;  // head_dim / 2 for head_dim <= 128

enum class PassKind : int32_t {
  // Group s is segment [s*period, (s+1)*period); it selects positions start + base + k*stride,
  // and those rows are both its queries and its keys.
  strided,
  // Group s is block [s*period, (s+1)*period), all positions queries. Its keys are the `run`
  // positions starting at base within each earlier block (each later block when `later`).
  summary,
};

struct Pass {
  PassKind kind;
  int32_t causal;
  int32_t later;  // summary: the keys of later blocks (the non-causal half)
  int64_t seq_len, period, stride, run;
  int64_t head_base[kMaxHeads];  // strided: the head offset o; summary: the sub-block start
};

// What every pass of a call shares.
struct CallGeometry {
  int64_t heads, q_start, q_len, kv_start, kv_len;
  int32_t xpos;                   // XPOS decay on
  float decay_log2[kMaxPairs];    // log2(z_p) / scale_base: z_p^(d/B) = exp2(decay_log2[p] * d)
};

// The CTAs of one pass: groups first_group.. each cut into tiles_per_group tiles of rows.
struct PassTiling {
  int64_t first_group, tiles_per_group, blocks;
};
// Tiles over the groups' queries (forward, dQ) or keys (dK, dV) inside the call's windows.
PassTiling query_tiling(const Pass& pass, const CallGeometry& g, int tile_rows);
PassTiling key_tiling(const Pass& pass, const CallGeometry& g, int tile_rows);

// A backward kernel's CTA shape (flash_backward.cuh): warps, 16-row tiles of owned rows per
// warp, rows streamed per step, and the CTAs per SM the registers are capped for.
struct BackwardShape {
  int warps, tiles, visit, ctas_per_sm = 1;
};

// The passes a spec stands for; throws UsageError for shapes the kernels do not take.
std::vector<Pass> plan_passes(const Spec& spec, const Problem& problem);
// Whether the pass gives every row of every head a result (forward) and a gradient (backward):
// a strided pass with dilation 1 and no head offsets (dense; a pattern with r = 1; sparse-fixed's
// block pass). Such a pass may write the frame's buffers instead of adding into zeros.
bool covers_every_row(const Pass& pass, int64_t heads);
CallGeometry call_geometry(const Spec& spec, const Problem& problem);

}  // namespace longnet::attention::cuda_detail
