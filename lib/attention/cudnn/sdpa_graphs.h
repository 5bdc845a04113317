#pragma once
// The operation graphs of fused attention in the shape cuDNN's runtime fusion engine recognises
// as flash attention (the node structure of cudnn-frontend's SDPA nodes for cuDNN 9.0 - 9.20):
//
//   forward:  S = (Q K^T) * scale, masked; stats = max + log(sum exp(S - max));
//             O = (exp(S - max) / sum) V
//   backward: P = exp(S - stats); dV = P^T dO; dS = P * (dO V^T - rowsum(dO * O)) * scale;
//             dK = dS^T Q; dQ = dS K (accumulated in an fp32 buffer, then converted)
//
// Tensors are seen as [batch, head, position, dim] with the caller's strides; K and V enter the
// products transposed, as strided views.
#include "attention/cudnn/backend_graph.h"
#include "attention/cudnn/cudnn_attention.h"

namespace longnet::attention::cudnn_sdpa {

// The unique ids under which the graphs expect their data at execution.
enum Uid : int64_t {
  uid_q = 1, uid_k, uid_v, uid_o, uid_d_o, uid_stats, uid_dq, uid_dk, uid_dv,
  uid_scale,        // by value: 1 / sqrt(head_dim)
  uid_masked,       // by value: masked_score()
  uid_one,          // by value: 1 (the engine expects the dropout-scale product even without dropout)
  uid_softmax_sum,  // fp32 [batch, head, seq_q] scratch: rowsum(dO * O)
  uid_dq_accum,     // fp32 [batch, head, seq_q, dim] scratch
  uid_seq_len_q,    // int32 [batch]: seq_q (padding-mask workaround only)
  uid_seq_len_kv,   // int32 [batch]: seq_kv (padding-mask workaround only)
};

// The score given to masked positions: -inf, or the lowest float before cuDNN 9.10.
float masked_score();

// cuDNN before 9.16 computes wrong gradients when seq_kv is not a multiple of 128 unless the
// graph carries an explicit padding mask (cudnn-frontend applies the same workaround).
bool backward_needs_padding_mask(const CudnnSdpaProblem& problem);

cudnn_backend::Plan forward_plan(cudnnHandle_t handle, const CudnnSdpaProblem& problem);
cudnn_backend::Plan backward_plan(cudnnHandle_t handle, const CudnnSdpaProblem& problem);

}  // namespace longnet::attention::cudnn_sdpa
