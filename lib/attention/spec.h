#pragma once
// What an attention call computes (DESIGN.md section 3). Shared by the CPU and CUDA paths and by
// the tests: a pattern spec, the per-head selection rule, and the problem geometry of one call.
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace longnet::attention {

enum class Kind { dense, sparse, dilated };
enum class HeadOffsets { interleaved, blocked };

// One dilated pattern: segments of `segment` positions, every `dilation`-th one selected.
struct Pattern {
  int64_t segment;
  int64_t dilation;
};

struct Spec {
  Kind kind = Kind::dilated;
  bool causal = true;
  // dilated: the patterns mixed by their softmax denominators. dense uses {N, 1}.
  std::vector<Pattern> patterns;
  HeadOffsets head_offsets = HeadOffsets::interleaved;
  // sparse (fixed pattern, Child et al.): block length and summary positions per block.
  int64_t sparse_block = 2048;
  int64_t sparse_summary = 128;
  // XPOS decay z_j^((i-j)/xpos_scale_base), applied relative to a local origin so it stays
  // finite at any N. 0 turns it off. The XPOS rotation is applied to q and k before the call.
  double xpos_scale_base = 0;
};

// Geometry of one call. Q/O rows are global positions [q_start, q_start + q_len); K/V rows are
// [kv_start, kv_start + kv_len); only keys inside the kv window count. Segments, blocks and
// causality use global positions over [0, seq_len).
struct Problem {
  int64_t batch = 1, heads = 1, head_dim = 64;
  int64_t seq_len = 0;
  int64_t q_start = 0, q_len = 0;
  int64_t kv_start = 0, kv_len = 0;
};

// A [batch, position, head, dim] view with dim contiguous; strides in elements. Q, K, V, O and
// their gradients are passed this way, so a view into a fused QKV buffer needs no copy.
template <class T>
struct Bnhd {
  T* data;
  int64_t stride_b, stride_n, stride_h;

  // The head_dim values of (batch b, row n, head h); n counts rows of the view, not positions.
  T* row(int64_t b, int64_t n, int64_t h) const {
    return data + b * stride_b + n * stride_n + h * stride_h;
  }
  // A writable view passes where a read-only one is expected.
  operator Bnhd<const T>() const
    requires(!std::is_const_v<T>)
  {
    return {data, stride_b, stride_n, stride_h};
  }
};
// The log-sum-exp of each query row is laid out [batch, head, q_len], contiguous, in fp32 on the
// GPU and in the compute type on the CPU. A row with no keys has lse = -inf and output 0.

// XPOS decay base z_j of dimension pair j (dims 2j and 2j+1): (2j + 0.4 Dh) / (1.4 Dh).
inline double xpos_decay_base(int64_t pair, int64_t head_dim) {
  return (2.0 * pair + 0.4 * head_dim) / (1.4 * head_dim);
}

// The offset o of head h in pattern p: o = h mod r (interleaved, the paper's rule) or
// o = floor(h / ceil(H / r)) (blocked, the official code's rule).
int64_t head_offset(const Pattern& p, int64_t head, int64_t heads, HeadOffsets rule);

// The patterns that a spec stands for at sequence length n: dense is {n, 1}; dilated clips each
// segment to min(w, n). sparse has no patterns (it is handled by its own mask rule).
std::vector<Pattern> effective_patterns(const Spec& spec, int64_t n);

// Whether position pos is selected by an effective pattern p for a head with offset o:
// pos = s*w' + o + k*r inside its segment s.
bool dilated_selects(const Pattern& p, int64_t offset, int64_t pos);

// Sparse-fixed: head h reads the summary sub-block g = h mod (l/c) of other blocks, the
// positions with pos mod l in [l-(g+1)c, l-g*c).
int64_t sparse_summary_group(const Spec& spec, int64_t head);
bool sparse_is_summary(const Spec& spec, int64_t head, int64_t pos);

// How many times key j is given to query i for head h (0, 1, or the number of patterns that
// select both): the multiset of DESIGN.md section 3. The O(N^2) reference is built on this.
// Sparse, non-causal: own whole block plus the summary positions of every other block.
int key_multiplicity(const Spec& spec, int64_t seq_len, int64_t heads, int64_t head, int64_t i,
                     int64_t j);

// Keys per query, averaged over queries and heads, of the non-causal pattern at length n:
// dense n; dilated sum of w'/r^2; sparse l' + c(n - l')/l' with l' = min(l, n).
double keys_per_query(const Spec& spec, int64_t n);

// FLOPs of one forward call under the one counting rule of DESIGN.md section 3 (both matrix
// products, causal halved): 4 * batch * heads * q_len * head_dim * keys_per_query(seq_len),
// halved when causal. Dense causal at q_len = N gives 2*B*H*N^2*Dh. Backward is 2.5x forward.
double forward_flops(const Spec& spec, const Problem& problem);

// One line for logs and tables, e.g. "dilated w/r=2048/1,4096/2 offsets=interleaved causal".
std::string describe(const Spec& spec);

// Throw ConfigError for a bad pattern list or sparse shape, RuntimeError for a bad geometry
// (windows outside [0, seq_len), odd head_dim with XPOS on).
void validate(const Spec& spec);
void validate(const Spec& spec, const Problem& problem);

}  // namespace longnet::attention
