#pragma once
// cuDNN's fused flash attention (scaled dot-product attention through the cuDNN graph API): the
// speed reference for our own kernels and the dense path wherever it is faster.
//
// Dense softmax attention, scale 1/sqrt(head_dim), bf16 in and out, fp32 accumulation and lse.
// Host-only header: includers need neither CUDA nor cuDNN headers. Pointers are device pointers,
// `stream` is a cudaStream_t. In a build without CUDA every call throws RuntimeError and
// cudnn_sdpa_available() is false.
#include <cstdint>

namespace longnet::attention {

// Element strides of a [batch, position, head, dim] bf16 tensor; dim is contiguous.
struct BnhdStrides {
  int64_t batch, position, head;
};

struct CudnnSdpaProblem {
  int64_t batch = 1, heads = 1, seq_q = 0, seq_kv = 0, head_dim = 64;
  // Query i sees keys j <= i, both counted from 0 (the top-left diagonal).
  bool causal = true;
  // Layouts of Q, K, V and O.
  BnhdStrides q, k, v, o;
  // Layouts of the gradients dQ, dK, dV and dO; left zero, each is laid out like its tensor.
  BnhdStrides dq{}, dk{}, dv{}, d_o{};
  // Backward: only an engine cuDNN does not mark non-deterministic (its numerical notes).
  bool deterministic = false;

  // Every tensor contiguous [batch, position, head, dim].
  static CudnnSdpaProblem contiguous(int64_t batch, int64_t heads, int64_t seq_q, int64_t seq_kv,
                                     int64_t head_dim, bool causal);
};

// Whether cuDNN is there and accepts the SDPA graphs on the current GPU (checked once, on a small
// causal problem, forward and backward).
bool cudnn_sdpa_available();

// Whether cuDNN computes `problem` here (forward or backward): builds and caches its plan; false
// when cuDNN refuses the graph or, for a deterministic backward, has no deterministic engine.
bool cudnn_attention_supported(const CudnnSdpaProblem& problem, bool backward);

// How many plans the cache holds on the current GPU (a repeated shape builds none).
int64_t cudnn_cached_plans();

// O = softmax(Q K^T / sqrt(Dh)) V and lse, the natural log of each row's softmax denominator
// (scaling included), fp32 [batch, head, seq_q] contiguous. Plans are built once per problem.
void cudnn_attention_forward(const CudnnSdpaProblem& problem, const void* q, const void* k,
                             const void* v, void* o, float* lse, void* stream);

// dQ, dK, dV (overwritten) of sum(O * dO), from the forward's O and lse.
void cudnn_attention_backward(const CudnnSdpaProblem& problem, const void* q, const void* k,
                              const void* v, const void* o, const void* d_o, const float* lse,
                              void* dq, void* dk, void* dv, void* stream);

}  // namespace longnet::attention
