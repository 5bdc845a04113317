#include "attention/cpu/key_plan.h"

#include <algorithm>

namespace longnet::attention::cpu {
namespace {

// The run first, first + step, ... up to last, clipped to the kv window; false if empty.
bool add_run(const Problem& p, int64_t first, int64_t step, int64_t last, std::vector<KeyRun>& runs) {
  if (first < p.kv_start) first += (p.kv_start - first + step - 1) / step * step;
  last = std::min(last, p.kv_start + p.kv_len - 1);
  if (last < first) return false;
  runs.push_back({first, step, (last - first) / step + 1});
  return true;
}

// Groups the positions of [begin, end) that `select` keeps by the key `part_of` gives them.
template <class Select, class PartOf>
std::vector<std::pair<int64_t, QueryGroup>> group_rows(int64_t begin, int64_t end, Select select,
                                                      PartOf part_of) {
  std::vector<std::pair<int64_t, QueryGroup>> groups;
  for (int64_t i = begin; i < end; ++i) {
    if (!select(i)) continue;
    const int64_t part = part_of(i);
    if (groups.empty() || groups.back().first != part) groups.push_back({part, {}});
    groups.back().second.rows.push_back(i);
  }
  return groups;
}

Component plan_pattern(const Spec& spec, const Problem& p, int64_t head, const Pattern& pat,
                       int64_t begin, int64_t end) {
  const int64_t o = head_offset(pat, head, p.heads, spec.head_offsets);
  Component out;
  for (auto& [segment, group] : group_rows(
           begin, end, [&](int64_t i) { return dilated_selects(pat, o, i); },
           [&](int64_t i) { return i / pat.segment; })) {
    int64_t last = std::min((segment + 1) * pat.segment, p.seq_len) - 1;
    if (spec.causal) last = std::min(last, group.rows.back());
    if (add_run(p, segment * pat.segment + o, pat.dilation, last, group.runs)) out.push_back(std::move(group));
  }
  return out;
}

Component plan_sparse(const Spec& spec, const Problem& p, int64_t head, int64_t begin, int64_t end) {
  const int64_t l = spec.sparse_block, c = spec.sparse_summary;
  const int64_t g = sparse_summary_group(spec, head);
  const int64_t blocks = (p.seq_len + l - 1) / l;
  Component out;
  for (auto& [block, group] : group_rows(
           begin, end, [](int64_t) { return true; }, [&](int64_t i) { return i / l; })) {
    int64_t own_last = std::min((block + 1) * l, p.seq_len) - 1;
    if (spec.causal) own_last = std::min(own_last, group.rows.back());
    add_run(p, block * l, 1, own_last, group.runs);
    for (int64_t other = 0; other < (spec.causal ? block : blocks); ++other) {
      if (other == block) continue;
      const int64_t summary_end = other * l + l - g * c;
      add_run(p, summary_end - c, 1, std::min(summary_end, p.seq_len) - 1, group.runs);
    }
    if (!group.runs.empty()) out.push_back(std::move(group));
  }
  return out;
}

}  // namespace

std::vector<Component> plan_tile(const Spec& spec, const Problem& p, int64_t head, int64_t begin,
                                 int64_t end) {
  if (spec.kind == Kind::sparse) return {plan_sparse(spec, p, head, begin, end)};
  std::vector<Component> out;
  for (const Pattern& pat : effective_patterns(spec, p.seq_len)) {
    out.push_back(plan_pattern(spec, p, head, pat, begin, end));
  }
  return out;
}

int64_t key_block_size(const Spec& spec, int64_t step) {
  constexpr int64_t kMaxKeys = 64;
  if (spec.xpos_scale_base <= 0) return kMaxKeys;
  const auto span = static_cast<int64_t>(spec.xpos_scale_base) / step;
  return std::clamp<int64_t>(span, 1, kMaxKeys);
}

}  // namespace longnet::attention::cpu
