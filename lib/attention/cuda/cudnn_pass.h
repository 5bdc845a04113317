#pragma once
// A strided pass as a batch of dense attentions through cuDNN's fused SDPA (issue 8). Every
// segment of a strided pass is, per offset group of heads, one dense (causal) attention over the
// rows the group selects, and those rows are a strided view: segment start + o + m*r. So a
// group of segments and heads is one cuDNN call on views of Q, K, V in place; only the XPOS
// decay needs copies (q and k scaled about the segment's centre, DESIGN.md section 4). cuDNN's
// O_i and lse_i merge into the frame's fp32 running O like our kernels' passes; its backward,
// given the merged O and lse, gives the pass's share of the gradient, added into the frame's
// fp32 accumulators in pass order.
#include <cstddef>
#include <cstdint>

#include "attention/cuda/launchers.h"

namespace longnet::attention::cuda_detail {

// One cuDNN call: `batch` units x `heads` heads x `rows` rows. Unit t is a segment starting at
// start0 + t * start_step in batch item b0 + t * b_step (positions past the sequence run on into
// the next batch item: segments of several items batched together). Head j of the call is head
// head0 + j * head_step, whose rows start offset0 + j * offset_step into the segment and step by
// row_step. Plain data shared with the kernels.
struct CudnnPassCall {
  int64_t batch, rows, heads;
  int64_t b0, b_step, start0, start_step;
  int64_t head0, head_step, offset0, offset_step, row_step;
  int64_t centre;  // the XPOS origin, relative to the segment start: half the segment
};

// cuDNN is available and LONGNET_ATTENTION_NO_CUDNN=1 is not set (read at every call).
bool cudnn_wanted();

// Whether cuDNN may take the pass (before asking cuDNN itself): a strided pass of a call whose
// windows are the whole sequence, cuDNN wanted, one head's segment within the scratch, and an
// XPOS decay whose factors about the segment's centre stay far inside bf16's range (else our
// kernel, which needs no scaled copies).
bool cudnn_may_take(const Problem& p, const Pass& pass, const CallGeometry& g);

// Workspace the cuDNN passes of a call need beyond the frame's (0 when none may run there).
size_t cudnn_pass_scratch_bytes(const Spec& spec, const Problem& p);

// What the cuDNN passes of one call share.
struct CudnnPassFrame {
  const Problem& p;
  const CallGeometry& g;
  View q, k, v;
  unsigned char* scratch;  // cudnn_pass_scratch_bytes, 256-byte aligned
  void* stream;
};

// How a pass lands in the frame's fp32 buffers: merged into (added to) what the earlier passes
// left there, or, for a first pass that covers every row (covers_every_row), written over them
// as if they held the initial 0 (and lse -inf): same arithmetic and bits, no zero fill or read.
enum class Into { merge, overwrite };

// Where a forward pass's result goes: into the fp32 running O (o_acc) and lse as `into` says,
// or, when o_final.data is set (a call whose only pass covers every row), straight into the
// final bf16 O and lse with no fp32 buffer. lse is [batch, heads, rows] fp32 either way.
struct ForwardTarget {
  Into into;
  float* o_acc;
  float* lse;
  Bnhd<uint16_t> o_final;
};

// Runs the pass on cuDNN into the target. False, with nothing run, when cuDNN refuses one of
// its calls (the caller runs our kernel instead).
bool cudnn_forward_pass(const CudnnPassFrame& f, const Pass& pass, const ForwardTarget& to);

// Adds the pass's dQ, dK, dV into the fp32 accumulators, from the merged O and lse. False, with
// nothing run, when cuDNN refuses one of its calls (with `deterministic`: has no deterministic
// engine for it).
bool cudnn_backward_pass(const CudnnPassFrame& f, const Pass& pass, Into into, View o, View d_o,
                         const float* lse, float* dq_acc, float* dk_acc, float* dv_acc,
                         bool deterministic);

// The kernels around the calls (cudnn_pass.cu). Tensors of a call are packed [batch, rows,
// heads, dim] bf16; its lse is packed [batch, heads, rows] fp32. `sign` picks the XPOS factor of
// a row at distance d from the centre: z^(d/B) (q, dq: +1), z^(-d/B) (k, dk: -1), none (0).

// dst = the call's rows of src, each times its XPOS factor.
void cudnn_pass_scale_rows(const CudnnPassCall& c, const CallGeometry& g, int64_t seq_len,
                           int64_t head_dim, View src, uint16_t* dst, float sign, void* stream);
// Merges the call's (O_i, lse_i) into the running (o_acc, lse).
void cudnn_pass_merge(const CudnnPassCall& c, int64_t seq_len, int64_t heads, int64_t head_dim,
                      const uint16_t* o_i, const float* lse_i, Into into, float* o_acc,
                      float* lse, void* stream);
// Copies the call's rows between the frame's lse and the call's lse_i: into the call (the
// merged lse for the backward) or out of it (a one-pass call's final lse).
enum class LseCopy { into_call, out_of_call };
void cudnn_pass_copy_lse(const CudnnPassCall& c, int64_t seq_len, int64_t heads,
                         LseCopy direction, const float* from, float* to, void* stream);
// The call's dQ', dK', dV' (packed bf16, from cuDNN) and the fp32 accumulators they add into.
struct CudnnPassGradients {
  const uint16_t* pass[3];
  float* acc[3];
};
// acc += each gradient row times its XPOS factor: dq = z^(d/B) dq', dk = z^(-d/B) dk', dv = dv'.
void cudnn_pass_add_gradients(const CudnnPassCall& c, const CallGeometry& g, int64_t seq_len,
                              int64_t heads, int64_t head_dim, const CudnnPassGradients& grads,
                              Into into, void* stream);

}  // namespace longnet::attention::cuda_detail
