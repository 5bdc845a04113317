#include "attention/cudnn/cudnn_attention.h"

namespace longnet::attention {

CudnnSdpaProblem CudnnSdpaProblem::contiguous(int64_t batch, int64_t heads, int64_t seq_q,
                                              int64_t seq_kv, int64_t head_dim, bool causal) {
  const BnhdStrides q{seq_q * heads * head_dim, heads * head_dim, head_dim};
  const BnhdStrides kv{seq_kv * heads * head_dim, heads * head_dim, head_dim};
  return {batch, heads, seq_q, seq_kv, head_dim, causal, q, kv, kv, q};
}

}  // namespace longnet::attention
