// The element-wise kernels around a cuDNN pass call: the XPOS prescale of q and k, the merge of
// (O_i, lse_i) into the running result, the lse copies (the merged lse for the backward, a
// one-pass call's lse_i into the final lse), and the gradients' unscale-and-add into the fp32
// accumulators. Each (row, head) of a call is its own position, so every kernel writes each
// element once: no atomics, and the passes add up in stream order.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "attention/cuda/cuda_check.h"
#include "attention/cuda/cudnn_pass.h"
#include "attention/cuda/tile_ops.cuh"

namespace longnet::attention::cuda_detail {
namespace {

constexpr int kBlock = 256;

unsigned blocks_for(int64_t n) { return static_cast<unsigned>((n + kBlock - 1) / kBlock); }

// Where row m of head j of unit t lives, and its distance from the segment's centre.
struct Located {
  int64_t b, pos, head, from_centre;
};

__device__ Located locate(const CudnnPassCall& c, int64_t seq_len, int64_t t, int64_t m,
                          int64_t j) {
  const int64_t in_segment = c.offset0 + j * c.offset_step + m * c.row_step;
  const int64_t at = (c.b0 + t * c.b_step) * seq_len + c.start0 + t * c.start_step + in_segment;
  const int64_t b = at / seq_len;
  return {b, at - b * seq_len, c.head0 + j * c.head_step, in_segment - c.centre};
}

// Row-head index i of a packed [batch, rows, heads] tensor.
__device__ Located locate_packed(const CudnnPassCall& c, int64_t seq_len, int64_t i) {
  return locate(c, seq_len, i / (c.rows * c.heads), i / c.heads % c.rows, i % c.heads);
}

// The XPOS factor of dimension d at that distance (1 when the decay is off or sign is 0).
__device__ float xpos_factor(const CallGeometry& g, int64_t d, int64_t from_centre, float sign) {
  if (!g.xpos || sign == 0) return 1.0f;
  return decay_factor(g.decay_log2, static_cast<int>(d), from_centre, 0, sign);
}

__device__ float to_float(uint16_t bits) {
  return __bfloat162float(reinterpret_cast<const __nv_bfloat16&>(bits));
}

__device__ uint16_t to_bf16(float x) {
  const __nv_bfloat16 y = __float2bfloat16(x);
  return reinterpret_cast<const uint16_t&>(y);
}

// Eight dims (16 bytes of bf16, 32 of fp32) per thread: rows are 16-byte aligned and head dims
// a multiple of 8, so every access is a vector access.
constexpr int kChunk = 8;

struct Chunk {
  float x[kChunk];
};

__device__ Chunk load_bf16(const uint16_t* from) {
  const uint4 bits = *reinterpret_cast<const uint4*>(from);
  const uint16_t* h = reinterpret_cast<const uint16_t*>(&bits);
  Chunk c;
  for (int e = 0; e < kChunk; ++e) c.x[e] = to_float(h[e]);
  return c;
}

__device__ void store_bf16(uint16_t* to, const Chunk& c) {
  uint4 bits;
  uint16_t* h = reinterpret_cast<uint16_t*>(&bits);
  for (int e = 0; e < kChunk; ++e) h[e] = to_bf16(c.x[e]);
  *reinterpret_cast<uint4*>(to) = bits;
}

__device__ Chunk load_f32(const float* from) {
  Chunk c;
  *reinterpret_cast<float4*>(c.x) = reinterpret_cast<const float4*>(from)[0];
  *reinterpret_cast<float4*>(c.x + 4) = reinterpret_cast<const float4*>(from)[1];
  return c;
}

__device__ void store_f32(float* to, const Chunk& c) {
  reinterpret_cast<float4*>(to)[0] = *reinterpret_cast<const float4*>(c.x);
  reinterpret_cast<float4*>(to)[1] = *reinterpret_cast<const float4*>(c.x + 4);
}

// Thread i's chunk: dims [d0, d0 + 8) of packed row-head i / (dim / 8).
struct ChunkAt {
  int64_t row_head, d0;
};

__device__ ChunkAt chunk_at(int64_t i, int64_t dim) {
  return {i / (dim / kChunk), i % (dim / kChunk) * kChunk};
}

__global__ void scale_rows_kernel(CudnnPassCall c, CallGeometry g, int64_t seq_len, int64_t dim,
                                  View src, uint16_t* dst, float sign, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const ChunkAt ch = chunk_at(i, dim);
  const Located at = locate_packed(c, seq_len, ch.row_head);
  Chunk x = load_bf16(src.data + at.b * src.stride_b + at.pos * src.stride_n +
                      at.head * src.stride_h + ch.d0);
  for (int e = 0; e < kChunk; ++e) x.x[e] *= xpos_factor(g, ch.d0 + e, at.from_centre, sign);
  store_bf16(dst + ch.row_head * dim + ch.d0, x);
}

// The dim / 8 threads of a (row, head) are adjacent lanes of one warp: all of them read the old
// lse, then the first writes the new one. Into::overwrite merges into the initial (0, -inf)
// without reading them: the same arithmetic, so the same bits (-0 included) as a merge into a
// zero-filled buffer.
__global__ void merge_kernel(CudnnPassCall c, int64_t seq_len, int64_t heads, int64_t dim,
                             const uint16_t* o_i, const float* lse_i, bool overwrite,
                             float* o_acc, float* lse, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const bool live = i < n;
  const ChunkAt ch = chunk_at(live ? i : 0, dim);
  const int64_t t = ch.row_head / (c.rows * c.heads), m = ch.row_head / c.heads % c.rows,
                j = ch.row_head % c.heads;
  const Located at = locate(c, seq_len, t, m, j);
  float* lse_at = lse + (at.b * heads + at.head) * seq_len + at.pos;
  const float lse_old = overwrite ? -INFINITY : *lse_at;
  const Merge mw = merge_weights(lse_old, lse_i[(t * c.heads + j) * c.rows + m], 1.0f);
  if (live) {
    float* acc = o_acc + ((at.b * seq_len + at.pos) * heads + at.head) * dim + ch.d0;
    Chunk old = overwrite ? Chunk{} : load_f32(acc);
    const Chunk pass = load_bf16(o_i + ch.row_head * dim + ch.d0);
    for (int e = 0; e < kChunk; ++e) old.x[e] = mw.w_old * old.x[e] + mw.w_pass * pass.x[e];
    store_f32(acc, old);
  }
  __syncwarp();
  if (live && ch.d0 == 0) *lse_at = mw.lse;
}

__global__ void copy_lse_kernel(CudnnPassCall c, int64_t seq_len, int64_t heads,
                                const float* from, float* to, bool to_call, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const int64_t t = i / (c.heads * c.rows), j = i / c.rows % c.heads, m = i % c.rows;
  const Located at = locate(c, seq_len, t, m, j);
  const int64_t in_frame = (at.b * heads + at.head) * seq_len + at.pos;
  to[to_call ? i : in_frame] = from[to_call ? in_frame : i];
}

// overwrite: adds into zeros without reading them (same bits as into a zero-filled buffer).
__global__ void add_gradients_kernel(CudnnPassCall c, CallGeometry g, int64_t seq_len,
                                     int64_t heads, int64_t dim, CudnnPassGradients grads,
                                     bool overwrite, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const ChunkAt ch = chunk_at(i, dim);
  const Located at = locate_packed(c, seq_len, ch.row_head);
  const int64_t from = ch.row_head * dim + ch.d0;
  const int64_t to = ((at.b * seq_len + at.pos) * heads + at.head) * dim + ch.d0;
  const float signs[3] = {+1.0f, -1.0f, 0.0f};  // dq = z^(d/B) dq', dk = z^(-d/B) dk', dv = dv'
  for (int k = 0; k < 3; ++k) {
    const Chunk add = load_bf16(grads.pass[k] + from);
    Chunk acc = overwrite ? Chunk{} : load_f32(grads.acc[k] + to);
    for (int e = 0; e < kChunk; ++e) {
      acc.x[e] += add.x[e] * xpos_factor(g, ch.d0 + e, at.from_centre, signs[k]);
    }
    store_f32(grads.acc[k] + to, acc);
  }
}

cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

int64_t row_heads(const CudnnPassCall& c) { return c.batch * c.rows * c.heads; }

}  // namespace

void cudnn_pass_scale_rows(const CudnnPassCall& c, const CallGeometry& g, int64_t seq_len,
                           int64_t head_dim, View src, uint16_t* dst, float sign, void* stream) {
  const int64_t n = row_heads(c) * head_dim / kChunk;
  scale_rows_kernel<<<blocks_for(n), kBlock, 0, as_stream(stream)>>>(c, g, seq_len, head_dim,
                                                                     src, dst, sign, n);
  check_cuda(cudaGetLastError(), "cuDNN pass: XPOS prescale launch");
}

void cudnn_pass_merge(const CudnnPassCall& c, int64_t seq_len, int64_t heads, int64_t head_dim,
                      const uint16_t* o_i, const float* lse_i, Into into, float* o_acc,
                      float* lse, void* stream) {
  const int64_t n = row_heads(c) * head_dim / kChunk;
  merge_kernel<<<blocks_for(n), kBlock, 0, as_stream(stream)>>>(
      c, seq_len, heads, head_dim, o_i, lse_i, into == Into::overwrite, o_acc, lse, n);
  check_cuda(cudaGetLastError(), "cuDNN pass: merge launch");
}

void cudnn_pass_copy_lse(const CudnnPassCall& c, int64_t seq_len, int64_t heads,
                         LseCopy direction, const float* from, float* to, void* stream) {
  const int64_t n = row_heads(c);
  copy_lse_kernel<<<blocks_for(n), kBlock, 0, as_stream(stream)>>>(
      c, seq_len, heads, from, to, direction == LseCopy::into_call, n);
  check_cuda(cudaGetLastError(), "cuDNN pass: lse copy launch");
}

void cudnn_pass_add_gradients(const CudnnPassCall& c, const CallGeometry& g, int64_t seq_len,
                              int64_t heads, int64_t head_dim, const CudnnPassGradients& grads,
                              Into into, void* stream) {
  const int64_t n = row_heads(c) * head_dim / kChunk;
  add_gradients_kernel<<<blocks_for(n), kBlock, 0, as_stream(stream)>>>(
      c, g, seq_len, heads, head_dim, grads, into == Into::overwrite, n);
  check_cuda(cudaGetLastError(), "cuDNN pass: gradient add launch");
}

}  // namespace longnet::attention::cuda_detail
