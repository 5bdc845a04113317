#include <math_constants.h>

#include <string>

#include "ops/cuda/cross_entropy.h"
#include "ops/cuda/kernel_support.cuh"

namespace longnet::cuda {

namespace {

using namespace detail;

struct Args {
  CrossEntropyShape s;
  ConstRows logits;
  Rows dlogits;
  const int32_t* targets;
  float* loss;
  float grad_scale;
  float* lse;  // optional
};

// Running (max, sum of exp(x - max)) pairs, merged exactly as one pass over both parts would.
struct MaxSum {
  float m, s;
};

__device__ __forceinline__ MaxSum merge(MaxSum a, MaxSum b) {
  float m = fmaxf(a.m, b.m);
  if (m == -CUDART_INF_F) return {m, 0.f};
  return {m, a.s * expf(a.m - m) + b.s * expf(b.m - m)};
}

__device__ __forceinline__ MaxSum warp_merge(MaxSum v) {
#pragma unroll
  for (int o = 16; o; o >>= 1) {
    MaxSum other{__shfl_xor_sync(0xffffffffu, v.m, o), __shfl_xor_sync(0xffffffffu, v.s, o)};
    v = merge(v, other);
  }
  return v;
}

constexpr int kThreads = 512;

// (max, sum of exp(v - max)) of eight values.
__device__ __forceinline__ MaxSum max_sum8(const float (&v)[8]) {
  float m = v[0];
#pragma unroll
  for (int j = 1; j < 8; ++j) m = fmaxf(m, v[j]);
  float s = 0.f;
#pragma unroll
  for (int j = 0; j < 8; ++j) s += expf(v[j] - m);
  return {m, s};
}

// The row's log-sum-exp from every thread's pair, merged in a fixed order (warps: kThreads / 32).
__device__ __forceinline__ float block_lse(MaxSum acc, MaxSum* warps) {
  acc = warp_merge(acc);
  if ((threadIdx.x & 31) == 0) warps[threadIdx.x >> 5] = acc;
  __syncthreads();
  acc = warps[0];
  for (int w = 1; w < kThreads / 32; ++w) acc = merge(acc, warps[w]);
  return acc.m + logf(acc.s);
}

// The row's loss (0 when its target is ignored) and, when asked for, its lse.
__device__ __forceinline__ void write_row_results(const Args& a, int64_t row, float lse, float target_logit,
                                                  bool ignored) {
  a.loss[row] = ignored ? 0.f : lse - target_logit;
  if (a.lse) a.lse[row] = lse;
}

// Elements i .. i + 8 of the gradient: scale * (softmax - onehot(target)).
__device__ __forceinline__ void gradient8(float (&v)[8], float lse, float scale, int64_t i, int32_t target) {
#pragma unroll
  for (int j = 0; j < 8; ++j) v[j] = scale * (expf(v[j] - lse) - (i + j == target ? 1.f : 0.f));
}

// One block per row. kVec: 16-byte accesses (vocab and stride multiples of 8, aligned rows).
template <bool kVec>
__global__ void cross_entropy_kernel(Args a) {
  __shared__ MaxSum warps[kThreads / 32];
  __shared__ float target_logit;
  const int64_t row = blockIdx.x;
  const int64_t vocab = a.s.vocab;
  const int32_t target = a.targets[row];
  const bool ignored = target == a.s.ignore_index;
  const int64_t in = row * a.logits.stride;
  const DType t = a.s.dtype;
  if (threadIdx.x == 0) target_logit = ignored ? 0.f : load(a.logits.data, t, in + target);

  MaxSum acc{-CUDART_INF_F, 0.f};
  if constexpr (kVec) {
    for (int64_t i = threadIdx.x * 8; i < vocab; i += kThreads * 8) {
      float v[8];
      load8(a.logits.data, t, in + i, v);
      acc = merge(acc, max_sum8(v));
    }
  } else {
    for (int64_t i = threadIdx.x; i < vocab; i += kThreads) acc = merge(acc, {load(a.logits.data, t, in + i), 1.f});
  }
  const float lse = block_lse(acc, warps);
  if (threadIdx.x == 0) write_row_results(a, row, lse, target_logit, ignored);
  if (!a.dlogits.data) return;

  const int64_t out = row * a.dlogits.stride;
  const float scale = ignored ? 0.f : a.grad_scale;
  if constexpr (kVec) {
    for (int64_t i = threadIdx.x * 8; i < vocab; i += kThreads * 8) {
      float v[8];
      load8(a.logits.data, t, in + i, v);
      gradient8(v, lse, scale, i, target);
      store8(a.dlogits.data, t, out + i, v);
    }
  } else {
    for (int64_t i = threadIdx.x; i < vocab; i += kThreads) {
      float v = load(a.logits.data, t, in + i);
      store(a.dlogits.data, t, out + i, scale * (expf(v - lse) - (i == target ? 1.f : 0.f)));
    }
  }
}

// bf16 rows of at most kRowChunks * 8 * kThreads elements (vocab a multiple of 8, rows aligned):
// the row is read once into registers, kept there as raw bf16 (4 registers per 8 elements), and
// every 16-byte load of a thread is issued before any arithmetic, so a block has the whole row in
// flight at once. At two exponentials per logit the kernel is near the SM's instruction limit, so
// it uses the approximate exponential (the gradient is stored in bf16 anyway), and it takes the
// row's max over the block before any exponential, so no partial sums need rescaling (each
// rescale costs two expf).
// Chunk c of a thread is elements (threadIdx.x + c * kThreads) * 8 .. + 8.
constexpr int kRowChunks = 8;

// exp(v - c) as 2^(v log2 e - c log2 e): one FFMA and one ex2.approx (relative error ~2^-22) per
// value, with c2 = c log2 e computed once per row.
constexpr float kLog2e = 1.4426950408889634f;

__device__ __forceinline__ float exp_shifted(float v, float c2) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(fmaf(v, kLog2e, -c2)));
  return y;
}

__device__ __forceinline__ bool chunk_in_row(int c, int64_t vocab) {
  return (threadIdx.x + int64_t(c) * kThreads) * 8 < vocab;
}

__global__ void __launch_bounds__(kThreads, 2) registers_kernel(Args a) {
  __shared__ float scratch[32];
  const int64_t row = blockIdx.x;
  const int64_t vocab = a.s.vocab;
  const int32_t target = a.targets[row];
  const bool ignored = target == a.s.ignore_index;
  const uint4* in = reinterpret_cast<const uint4*>(static_cast<const __nv_bfloat16*>(a.logits.data) +
                                                   row * a.logits.stride);
  uint4 raw[kRowChunks];
#pragma unroll
  for (int c = 0; c < kRowChunks; ++c)
    raw[c] = chunk_in_row(c, vocab) ? in[threadIdx.x + c * kThreads] : make_uint4(0, 0, 0, 0);
  const float target_logit =
      ignored ? 0.f : __bfloat162float(static_cast<const __nv_bfloat16*>(a.logits.data)[row * a.logits.stride + target]);
  float m = -CUDART_INF_F, v[8];
#pragma unroll
  for (int c = 0; c < kRowChunks; ++c) {
    if (!chunk_in_row(c, vocab)) break;
    unpack8(raw[c], v);
#pragma unroll
    for (int j = 0; j < 8; ++j) m = max_nan(m, v[j]);
  }
  m = block_max(m, scratch);
  float sum = 0.f;
  const float m2 = m * kLog2e;
#pragma unroll
  for (int c = 0; c < kRowChunks; ++c) {
    if (!chunk_in_row(c, vocab) || m == -CUDART_INF_F) break;  // all -inf: sum 0, lse -inf
    unpack8(raw[c], v);
#pragma unroll
    for (int j = 0; j < 8; ++j) sum += exp_shifted(v[j], m2);
  }
  const float lse = m + logf(block_sum(sum, scratch));
  if (threadIdx.x == 0) write_row_results(a, row, lse, target_logit, ignored);
  if (!a.dlogits.data) return;
  const int64_t out = row * a.dlogits.stride;
  const float scale = ignored ? 0.f : a.grad_scale, lse2 = lse * kLog2e;
#pragma unroll
  for (int c = 0; c < kRowChunks; ++c) {
    const int64_t i = (threadIdx.x + int64_t(c) * kThreads) * 8;
    if (i >= vocab) break;
    unpack8(raw[c], v);
#pragma unroll
    for (int j = 0; j < 8; ++j) v[j] = scale * exp_shifted(v[j], lse2);
    if (uint64_t(target - i) < 8)  // the target's chunk (never on ignored rows: scale is 0 there)
#pragma unroll
      for (int j = 0; j < 8; ++j)
        if (i + j == target) v[j] -= scale;
    store8(a.dlogits.data, DType::bf16, out + i, v);
  }
}

struct BackwardArgs {
  CrossEntropyShape s;
  ConstRows logits;
  Rows dlogits;
  const int32_t* targets;
  const float *lse, *grad;
};

// One block per row, streaming: kUnroll 16-byte groups per thread are loaded before any is
// written, so each thread keeps several loads in flight.
constexpr int kBackwardThreads = 256, kBackwardUnroll = 4;

template <bool kVec>
__global__ void __launch_bounds__(kBackwardThreads) backward_kernel(BackwardArgs a) {
  const int64_t row = blockIdx.x, vocab = a.s.vocab;
  const int32_t target = a.targets[row];
  const float lse = a.lse[row], scale = target == a.s.ignore_index ? 0.f : a.grad[row];
  const int64_t in = row * a.logits.stride, out = row * a.dlogits.stride;
  const DType t = a.s.dtype;
  if constexpr (kVec) {
    constexpr int64_t kStep = kBackwardThreads * 8;
    for (int64_t base = threadIdx.x * 8; base < vocab; base += kStep * kBackwardUnroll) {
      float v[kBackwardUnroll][8];
#pragma unroll
      for (int u = 0; u < kBackwardUnroll; ++u)
        if (base + u * kStep < vocab) load8(a.logits.data, t, in + base + u * kStep, v[u]);
#pragma unroll
      for (int u = 0; u < kBackwardUnroll; ++u) {
        const int64_t i = base + u * kStep;
        if (i >= vocab) break;
        gradient8(v[u], lse, scale, i, target);
        store8(a.dlogits.data, t, out + i, v[u]);
      }
    }
  } else {
    for (int64_t i = threadIdx.x; i < vocab; i += kBackwardThreads) {
      const float v = load(a.logits.data, t, in + i);
      store(a.dlogits.data, t, out + i, scale * (expf(v - lse) - (i == target ? 1.f : 0.f)));
    }
  }
}

void check_shape(const CrossEntropyShape& s, const char* what) {
  if (s.rows < 0 || s.vocab <= 0)
    raise_error(std::string(what) + ": rows " + std::to_string(s.rows) + " and vocab " + std::to_string(s.vocab) +
                " must be positive");
  if (s.rows > INT32_MAX) raise_error(std::string(what) + ": " + std::to_string(s.rows) + " rows is more than one launch takes");
}

// 16-byte accesses: vocab and strides multiples of 8, rows aligned (null pointers count as aligned).
bool vectorizable(const CrossEntropyShape& s, ConstRows logits, Rows dlogits) {
  return s.vocab % 8 == 0 && aligned16(logits.data) && logits.stride % 8 == 0 && aligned16(dlogits.data) &&
         dlogits.stride % 8 == 0;
}

}  // namespace

void cross_entropy_backward(DeviceContext& ctx, const CrossEntropyShape& s, ConstRows logits, const int32_t* targets,
                            const float* lse, const float* grad, Rows dlogits) {
  check_shape(s, "cross_entropy_backward");
  if (s.rows == 0) return;
  BackwardArgs a{s, logits, dlogits, targets, lse, grad};
  if (vectorizable(s, logits, dlogits))
    backward_kernel<true><<<unsigned(s.rows), kBackwardThreads, 0, ctx.stream()>>>(a);
  else
    backward_kernel<false><<<unsigned(s.rows), kBackwardThreads, 0, ctx.stream()>>>(a);
  check_launch("cross_entropy backward_kernel");
}

void cross_entropy(DeviceContext& ctx, const CrossEntropyShape& s, ConstRows logits, const int32_t* targets,
                   float* loss, Rows dlogits, float grad_scale, float* lse) {
  check_shape(s, "cross_entropy");
  if (s.rows == 0) return;
  const bool vec = vectorizable(s, logits, dlogits);
  Args a{s, logits, dlogits, targets, loss, grad_scale, lse};
  if (vec && s.dtype == DType::bf16 && s.vocab <= int64_t(kRowChunks) * 8 * kThreads) {
    registers_kernel<<<unsigned(s.rows), kThreads, 0, ctx.stream()>>>(a);
  } else if (vec)
    cross_entropy_kernel<true><<<unsigned(s.rows), kThreads, 0, ctx.stream()>>>(a);
  else
    cross_entropy_kernel<false><<<unsigned(s.rows), kThreads, 0, ctx.stream()>>>(a);
  check_launch("cross_entropy_kernel");
}

}  // namespace longnet::cuda
