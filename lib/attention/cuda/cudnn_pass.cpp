// The host side of the cuDNN passes: which passes cuDNN may take, how a pass becomes calls
// (segment kinds x runs of heads, cut into chunks that fit a fixed scratch), and each call with
// its kernels around it.
#include "attention/cuda/cudnn_pass.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <tuple>
#include <utility>
#include <vector>

#include "attention/cudnn/cudnn_attention.h"
#include "common/int_math.h"

namespace longnet::attention::cuda_detail {
namespace {

// The cuDNN calls of a pass share one scratch of at most this size (plus alignment), so a call
// at 16M tokens needs no more than one at 1M: a pass runs in chunks of segments.
constexpr size_t kScratchBytes = size_t{256} << 20;
// The XPOS factors about a segment's centre reach z_0^(+-w'/2B); keep them within 2^+-100,
// far inside bf16's normal range (2^-126 .. 2^127), so scaled values lose no precision. With
// B = 512 and Dh 64 that admits w' <= 56K (the paper's largest segment is 32K).
constexpr double kMaxDecayLog2 = 100;
constexpr size_t kAlign = 256;
constexpr int kScratchPieces = 6;  // tensors a call carves out of the scratch, at most


// Scratch one (row, head) of a call takes at most: the backward's q', k' (XPOS only), dq', dk',
// dv' in bf16 and its lse.
size_t bytes_per_row_head(const Problem& p, bool xpos) {
  return (xpos ? 5 : 3) * static_cast<size_t>(p.head_dim) * 2 + sizeof(float);
}

int64_t row_head_budget(const Problem& p, bool xpos) {
  return static_cast<int64_t>(kScratchBytes / bytes_per_row_head(p, xpos));
}

bool whole_sequence(const Problem& p) {
  return p.seq_len > 0 && p.q_start == 0 && p.kv_start == 0 && p.q_len == p.seq_len &&
         p.kv_len == p.seq_len;
}

// Heads whose rows in a segment form one strided view: head head0 + j * head_step starts at
// offset0 + j * offset_step, each with `rows` rows.
struct HeadRun {
  int64_t head0, head_step, offset0, offset_step, count, rows;
};

// The heads with rows in a segment of length len, in runs: in (offset, head) order, a run goes
// on while both steps stay the same and the row count does (interleaved offsets with r >= H:
// every head in at most two runs; r < H: one run per offset; blocked: one per offset).
std::vector<HeadRun> head_runs(const Pass& pass, int64_t heads, int64_t len) {
  std::vector<std::pair<int64_t, int64_t>> order;  // (offset, head)
  for (int64_t h = 0; h < heads; ++h) {
    if (pass.head_base[h] < len) order.emplace_back(pass.head_base[h], h);
  }
  std::sort(order.begin(), order.end());
  const auto rows_at = [&](size_t i) { return ceil_div(len - order[i].first, pass.stride); };
  const auto step = [&](size_t i) {
    return std::pair{order[i].second - order[i - 1].second, order[i].first - order[i - 1].first};
  };
  std::vector<HeadRun> runs;
  for (size_t i = 0; i < order.size();) {
    HeadRun run{order[i].second, 1, order[i].first, 0, 1, rows_at(i)};
    size_t next = i + 1;
    if (next < order.size() && step(next).first > 0 && rows_at(next) == run.rows) {
      std::tie(run.head_step, run.offset_step) = step(next);
      while (next < order.size() && step(next) == std::pair{run.head_step, run.offset_step} &&
             rows_at(next) == run.rows) {
        ++next;
      }
      run.count = static_cast<int64_t>(next - i);
    }
    runs.push_back(run);
    i = next;
  }
  return runs;
}

// Segments of one length as units of calls: unit t starts at start0 + t * start_step in batch
// item b0 + t * b_step.
struct Segments {
  int64_t len, count, b0, b_step, start0, start_step;
};

// Whole segments go together across batch items when the views let a segment stride step from
// one item into the next (batch stride = N rows, no short last segment); the short last
// segments of all items are one more kind.
std::vector<Segments> segment_kinds(const Pass& pass, const Problem& p,
                                    std::initializer_list<View> views) {
  const int64_t w = pass.period, n = p.seq_len, full = n / w, tail = n % w;
  const auto item_follows_item = [&](View v) { return v.stride_b == n * v.stride_n; };
  const bool fold =
      p.batch == 1 || (tail == 0 && std::all_of(views.begin(), views.end(), item_follows_item));
  std::vector<Segments> kinds;
  if (full > 0 && fold) kinds.push_back({w, p.batch * full, 0, 0, 0, w});
  for (int64_t b = 0; full > 0 && !fold && b < p.batch; ++b) kinds.push_back({w, full, b, 0, 0, w});
  if (tail > 0) kinds.push_back({tail, p.batch, 0, 1, full * w, 0});
  return kinds;
}

// The calls of a pass, each within `budget` row-heads. A call takes a power of two of segments,
// so sequence lengths that are powers of two share call shapes and with them cuDNN's plans (a
// plan costs up to a second to build the first time its shape is seen).
std::vector<CudnnPassCall> pass_calls(const Pass& pass, const Problem& p, int64_t budget,
                                      std::initializer_list<View> views) {
  std::vector<CudnnPassCall> calls;
  for (const Segments& s : segment_kinds(pass, p, views)) {
    for (const HeadRun& run : head_runs(pass, p.heads, s.len)) {
      const int64_t heads_per_call = std::min(run.count, std::max<int64_t>(1, budget / run.rows));
      for (int64_t j0 = 0; j0 < run.count; j0 += heads_per_call) {
        const int64_t heads = std::min(heads_per_call, run.count - j0);
        const int64_t fit = std::max<int64_t>(1, budget / (run.rows * heads));
        const auto units = static_cast<int64_t>(std::bit_floor(static_cast<uint64_t>(fit)));
        for (int64_t t0 = 0; t0 < s.count; t0 += units) {
          calls.push_back({std::min(units, s.count - t0), run.rows, heads, s.b0 + t0 * s.b_step,
                           s.b_step, s.start0 + t0 * s.start_step, s.start_step,
                           run.head0 + j0 * run.head_step, run.head_step,
                           run.offset0 + j0 * run.offset_step, run.offset_step, pass.stride,
                           s.len / 2});
        }
      }
    }
  }
  return calls;
}

// A call's rows of a view, in place.
struct InPlace {
  const uint16_t* data;
  BnhdStrides strides;
};

InPlace in_place(const CudnnPassCall& c, View v) {
  return {v.data + c.b0 * v.stride_b + (c.start0 + c.offset0) * v.stride_n + c.head0 * v.stride_h,
          {c.b_step ? v.stride_b : c.start_step * v.stride_n, c.row_step * v.stride_n,
           c.head_step * v.stride_h + c.offset_step * v.stride_n}};
}

BnhdStrides packed(const CudnnPassCall& c, int64_t head_dim) {
  return {c.rows * c.heads * head_dim, c.heads * head_dim, head_dim};
}

CudnnSdpaProblem call_problem(const CudnnPassFrame& f, const Pass& pass, const CudnnPassCall& c) {
  const BnhdStrides scratch = packed(c, f.p.head_dim);
  return {.batch = c.batch, .heads = c.heads, .seq_q = c.rows, .seq_kv = c.rows,
          .head_dim = f.p.head_dim, .causal = pass.causal != 0,
          .q = f.g.xpos ? scratch : in_place(c, f.q).strides,
          .k = f.g.xpos ? scratch : in_place(c, f.k).strides,
          .v = in_place(c, f.v).strides, .o = scratch};
}

// Hands out a call's scratch tensors, one after the other.
class Carver {
 public:
  explicit Carver(unsigned char* base) : at_(base) {}
  template <class T>
  T* take(int64_t count) {
    T* p = reinterpret_cast<T*>(at_);
    at_ += round_up(static_cast<size_t>(count) * sizeof(T), kAlign);
    return p;
  }

 private:
  unsigned char* at_;
};

// Q and K of a call: in place, or XPOS-scaled copies about each segment's centre.
std::pair<const void*, const void*> queries_and_keys(const CudnnPassFrame& f,
                                                     const CudnnPassCall& c, Carver& scratch) {
  if (!f.g.xpos) return {in_place(c, f.q).data, in_place(c, f.k).data};
  const int64_t elements = c.batch * c.rows * c.heads * f.p.head_dim;
  auto* q = scratch.take<uint16_t>(elements);
  auto* k = scratch.take<uint16_t>(elements);
  cudnn_pass_scale_rows(c, f.g, f.p.seq_len, f.p.head_dim, f.q, q, +1.0f, f.stream);
  cudnn_pass_scale_rows(c, f.g, f.p.seq_len, f.p.head_dim, f.k, k, -1.0f, f.stream);
  return {q, k};
}

}  // namespace

bool cudnn_wanted() {
  const char* off = std::getenv("LONGNET_ATTENTION_NO_CUDNN");
  return (off == nullptr || std::strcmp(off, "1") != 0) && cudnn_sdpa_available();
}

bool cudnn_may_take(const Problem& p, const Pass& pass, const CallGeometry& g) {
  if (pass.kind != PassKind::strided || !whole_sequence(p) || !cudnn_wanted()) return false;
  // Pair 0 decays fastest (z_0 is the smallest base).
  const double widest_factor_log2 = g.xpos ? pass.period / 2.0 * std::abs(g.decay_log2[0]) : 0;
  return widest_factor_log2 <= kMaxDecayLog2 &&
         ceil_div(pass.period, pass.stride) <= row_head_budget(p, g.xpos);
}

size_t cudnn_pass_scratch_bytes(const Spec& spec, const Problem& p) {
  if (!whole_sequence(p) || !cuda_head_dim_supported(p.head_dim) || p.heads > kMaxHeads) return 0;
  const CallGeometry g = call_geometry(spec, p);
  const std::vector<Pass> passes = plan_passes(spec, p);
  if (std::none_of(passes.begin(), passes.end(),
                   [&](const Pass& pass) { return cudnn_may_take(p, pass, g); })) {
    return 0;
  }
  const size_t all_rows = static_cast<size_t>(p.batch * p.seq_len * p.heads) *
                          bytes_per_row_head(p, g.xpos);
  return std::min(kScratchBytes, all_rows) + kScratchPieces * kAlign;
}

bool cudnn_forward_pass(const CudnnPassFrame& f, const Pass& pass, const ForwardTarget& to) {
  const bool final = to.o_final.data != nullptr;
  const View o_final = to.o_final;
  const int64_t budget = row_head_budget(f.p, f.g.xpos);
  const auto calls = final ? pass_calls(pass, f.p, budget, {f.q, f.k, f.v, o_final})
                           : pass_calls(pass, f.p, budget, {f.q, f.k, f.v});
  std::vector<CudnnSdpaProblem> problems;
  for (const CudnnPassCall& c : calls) {
    problems.push_back(call_problem(f, pass, c));
    if (final) problems.back().o = in_place(c, o_final).strides;
    if (!cudnn_attention_supported(problems.back(), false)) return false;
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    const CudnnPassCall& c = calls[i];
    Carver scratch(f.scratch);
    const auto [q, k] = queries_and_keys(f, c, scratch);
    auto* o_i = final ? const_cast<uint16_t*>(in_place(c, o_final).data)
                      : scratch.take<uint16_t>(c.batch * c.rows * c.heads * f.p.head_dim);
    auto* lse_i = scratch.take<float>(c.batch * c.rows * c.heads);
    cudnn_attention_forward(problems[i], q, k, in_place(c, f.v).data, o_i, lse_i, f.stream);
    if (final) {
      cudnn_pass_copy_lse(c, f.p.seq_len, f.p.heads, LseCopy::out_of_call, lse_i, to.lse,
                          f.stream);
    } else {
      cudnn_pass_merge(c, f.p.seq_len, f.p.heads, f.p.head_dim, o_i, lse_i, to.into, to.o_acc,
                       to.lse, f.stream);
    }
  }
  return true;
}

bool cudnn_backward_pass(const CudnnPassFrame& f, const Pass& pass, Into into, View o, View d_o,
                         const float* lse, float* dq_acc, float* dk_acc, float* dv_acc,
                         bool deterministic) {
  const auto calls =
      pass_calls(pass, f.p, row_head_budget(f.p, f.g.xpos), {f.q, f.k, f.v, o, d_o});
  std::vector<CudnnSdpaProblem> problems;
  for (const CudnnPassCall& c : calls) {
    CudnnSdpaProblem s = call_problem(f, pass, c);
    s.o = in_place(c, o).strides;
    s.d_o = in_place(c, d_o).strides;
    s.dq = s.dk = s.dv = packed(c, f.p.head_dim);
    s.deterministic = deterministic;
    problems.push_back(s);
    if (!cudnn_attention_supported(s, true)) return false;
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    const CudnnPassCall& c = calls[i];
    const int64_t elements = c.batch * c.rows * c.heads * f.p.head_dim;
    Carver scratch(f.scratch);
    auto* lse_i = scratch.take<float>(c.batch * c.rows * c.heads);
    cudnn_pass_copy_lse(c, f.p.seq_len, f.p.heads, LseCopy::into_call, lse, lse_i, f.stream);
    const auto [q, k] = queries_and_keys(f, c, scratch);
    auto* dq = scratch.take<uint16_t>(elements);
    auto* dk = scratch.take<uint16_t>(elements);
    auto* dv = scratch.take<uint16_t>(elements);
    cudnn_attention_backward(problems[i], q, k, in_place(c, f.v).data, in_place(c, o).data,
                             in_place(c, d_o).data, lse_i, dq, dk, dv, f.stream);
    cudnn_pass_add_gradients(c, f.g, f.p.seq_len, f.p.heads, f.p.head_dim,
                             {{dq, dk, dv}, {dq_acc, dk_acc, dv_acc}}, into, f.stream);
  }
  return true;
}

}  // namespace longnet::attention::cuda_detail
