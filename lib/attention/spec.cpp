#include "attention/spec.h"

#include <algorithm>

#include "common/error.h"

namespace longnet::attention {

int64_t head_offset(const Pattern& p, int64_t head, int64_t heads, HeadOffsets rule) {
  if (rule == HeadOffsets::interleaved) return head % p.dilation;
  const int64_t heads_per_offset = (heads + p.dilation - 1) / p.dilation;
  return head / heads_per_offset;
}

std::vector<Pattern> effective_patterns(const Spec& spec, int64_t n) {
  switch (spec.kind) {
    case Kind::dense:
      return {Pattern{n, 1}};
    case Kind::sparse:
      return {};
    case Kind::dilated:
      break;
  }
  std::vector<Pattern> out;
  for (const Pattern& p : spec.patterns) out.push_back({std::min(p.segment, n), p.dilation});
  return out;
}

bool dilated_selects(const Pattern& p, int64_t offset, int64_t pos) {
  const int64_t in_segment = pos % p.segment;
  return in_segment >= offset && (in_segment - offset) % p.dilation == 0;
}

int64_t sparse_summary_group(const Spec& spec, int64_t head) {
  return head % (spec.sparse_block / spec.sparse_summary);
}

bool sparse_is_summary(const Spec& spec, int64_t head, int64_t pos) {
  const int64_t g = sparse_summary_group(spec, head);
  const int64_t in_block = pos % spec.sparse_block;
  const int64_t end = spec.sparse_block - g * spec.sparse_summary;
  return in_block >= end - spec.sparse_summary && in_block < end;
}

namespace {

int sparse_multiplicity(const Spec& spec, int64_t head, int64_t i, int64_t j) {
  if (spec.causal && j > i) return 0;
  const int64_t block_i = i / spec.sparse_block, block_j = j / spec.sparse_block;
  if (block_i == block_j) return 1;
  return sparse_is_summary(spec, head, j) ? 1 : 0;
}

}  // namespace

int key_multiplicity(const Spec& spec, int64_t seq_len, int64_t heads, int64_t head, int64_t i,
                     int64_t j) {
  if (spec.kind == Kind::sparse) return sparse_multiplicity(spec, head, i, j);
  if (spec.causal && j > i) return 0;
  int count = 0;
  for (const Pattern& p : effective_patterns(spec, seq_len)) {
    if (i / p.segment != j / p.segment) continue;
    const int64_t o = head_offset(p, head, heads, spec.head_offsets);
    if (dilated_selects(p, o, i) && dilated_selects(p, o, j)) ++count;
  }
  return count;
}

double keys_per_query(const Spec& spec, int64_t n) {
  if (spec.kind == Kind::sparse) {
    const double block = static_cast<double>(std::min(spec.sparse_block, n));
    return block + static_cast<double>(spec.sparse_summary) * (static_cast<double>(n) - block) / block;
  }
  double keys = 0;
  for (const Pattern& p : effective_patterns(spec, n)) {
    keys += static_cast<double>(p.segment) / static_cast<double>(p.dilation * p.dilation);
  }
  return keys;
}

double forward_flops(const Spec& spec, const Problem& problem) {
  const double causal_share = spec.causal ? 0.5 : 1.0;
  return 4.0 * static_cast<double>(problem.batch * problem.heads * problem.q_len * problem.head_dim) *
         keys_per_query(spec, problem.seq_len) * causal_share;
}

std::string describe(const Spec& spec) {
  std::string out;
  switch (spec.kind) {
    case Kind::dense:
      out = "dense";
      break;
    case Kind::sparse:
      out = fmt::format("sparse block={} summary={}", spec.sparse_block, spec.sparse_summary);
      break;
    case Kind::dilated: {
      out = "dilated w/r=";
      for (size_t i = 0; i < spec.patterns.size(); ++i) {
        out += fmt::format("{}{}/{}", i ? "," : "", spec.patterns[i].segment,
                           spec.patterns[i].dilation);
      }
      out += spec.head_offsets == HeadOffsets::interleaved ? " offsets=interleaved"
                                                            : " offsets=blocked";
      break;
    }
  }
  out += spec.causal ? " causal" : " non-causal";
  if (spec.xpos_scale_base > 0) out += fmt::format(" xpos={}", spec.xpos_scale_base);
  return out;
}

void validate(const Spec& spec) {
  if (spec.kind == Kind::dilated) {
    if (spec.patterns.empty()) fail<ConfigError>("dilated attention needs at least one (segment, dilation) pattern");
    for (size_t i = 0; i < spec.patterns.size(); ++i) {
      const Pattern& p = spec.patterns[i];
      if (p.segment < 1 || p.dilation < 1) {
        fail<ConfigError>("dilated attention pattern {} is ({}, {}): segment length and dilation "
                          "must both be >= 1",
                          i + 1, p.segment, p.dilation);
      }
    }
  }
  if (spec.kind == Kind::sparse &&
      (spec.sparse_summary < 1 || spec.sparse_block < spec.sparse_summary)) {
    fail<ConfigError>("sparse attention has block {} and summary {}: need 1 <= summary <= block",
                      spec.sparse_block, spec.sparse_summary);
  }
  if (spec.xpos_scale_base < 0) {
    fail<ConfigError>("XPOS scale base is {}: use a positive value, or 0 to turn the decay off",
                      spec.xpos_scale_base);
  }
}

void validate(const Spec& spec, const Problem& p) {
  validate(spec);
  if (p.batch < 1 || p.heads < 1 || p.head_dim < 1 || p.seq_len < 0 || p.q_len < 0 || p.kv_len < 0) {
    fail<RuntimeError>("attention problem has batch {}, heads {}, head_dim {}, seq_len {}, q_len {}, "
                       "kv_len {}: all must be positive (lengths may be 0)",
                       p.batch, p.heads, p.head_dim, p.seq_len, p.q_len, p.kv_len);
  }
  if (p.q_start < 0 || p.q_start + p.q_len > p.seq_len || p.kv_start < 0 ||
      p.kv_start + p.kv_len > p.seq_len) {
    fail<RuntimeError>("attention windows q [{}, {}) and kv [{}, {}) must lie inside [0, {})",
                       p.q_start, p.q_start + p.q_len, p.kv_start, p.kv_start + p.kv_len, p.seq_len);
  }
  if (spec.xpos_scale_base > 0 && p.head_dim % 2 != 0) {
    fail<RuntimeError>("XPOS needs an even head dimension (pairs of dims), got {}", p.head_dim);
  }
}

}  // namespace longnet::attention
