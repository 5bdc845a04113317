#include <math_constants.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "ops/cuda/bulk_copy.cuh"
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

// CUDA's expf (within 2 ulp), or __expf (ex2.approx: 2 instructions, relative error ~1e-6 for
// the arguments <= 0 used here).
template <bool kFast>
__device__ __forceinline__ float exp_of(float x) {
  return kFast ? __expf(x) : expf(x);
}

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
template <bool kFast>
__device__ __forceinline__ void gradient8(float (&v)[8], float lse, float scale, int64_t i, int32_t target) {
#pragma unroll
  for (int j = 0; j < 8; ++j) v[j] = scale * (exp_of<kFast>(v[j] - lse) - (i + j == target ? 1.f : 0.f));
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
      gradient8<false>(v, lse, scale, i, target);
      store8(a.dlogits.data, t, out + i, v);
    }
  } else {
    for (int64_t i = threadIdx.x; i < vocab; i += kThreads) {
      float v = load(a.logits.data, t, in + i);
      store(a.dlogits.data, t, out + i, scale * (expf(v - lse) - (i == target ? 1.f : 0.f)));
    }
  }
}

// bf16 rows held in registers as raw bf16 (4 registers per 8 elements): a thread's chunk c is
// elements (threadIdx.x + c * kBlock) * 8 .. + 8. At two exponentials per logit these kernels are
// near the SM's instruction limit, so they use __expf (the gradient is stored in bf16 anyway), and
// the row's max is taken over the block before any exponential, so no partial sums need rescaling.
template <int kChunks, int kBlock>
__device__ __forceinline__ bool chunk_in_row(int c, int64_t vocab) {
  return (threadIdx.x + int64_t(c) * kBlock) * 8 < vocab;
}

template <int kChunks, int kBlock>
__device__ __forceinline__ float thread_max(const uint4 (&raw)[kChunks], int64_t vocab) {
  float m = -CUDART_INF_F, v[8];
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    if (!chunk_in_row<kChunks, kBlock>(c, vocab)) break;
    unpack8(raw[c], v);
#pragma unroll
    for (int j = 0; j < 8; ++j) m = max_nan(m, v[j]);
  }
  return m;
}

// Sum of exp(v - m) over the thread's values; 0 when the row max m is -inf (every logit -inf).
template <int kChunks, int kBlock>
__device__ __forceinline__ float thread_sum(const uint4 (&raw)[kChunks], int64_t vocab, float m) {
  float sum = 0.f, v[8];
  if (m == -CUDART_INF_F) return sum;
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    if (!chunk_in_row<kChunks, kBlock>(c, vocab)) break;
    unpack8(raw[c], v);
#pragma unroll
    for (int j = 0; j < 8; ++j) sum += __expf(v[j] - m);
  }
  return sum;
}

template <int kChunks, int kBlock>
__device__ __forceinline__ void store_gradient(const Args& a, int64_t row, const uint4 (&raw)[kChunks], float lse,
                                               float scale, int32_t target) {
  const int64_t out = row * a.dlogits.stride;
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int64_t i = (threadIdx.x + int64_t(c) * kBlock) * 8;
    if (i >= a.s.vocab) break;
    float v[8];
    unpack8(raw[c], v);
    gradient8<true>(v, lse, scale, i, target);
    store8(a.dlogits.data, DType::bf16, out + i, v);
  }
}

// One block per row, every 16-byte load of a thread issued before any arithmetic, so a block has
// the whole row in flight at once.
constexpr int kRowChunks = 8;

template <bool kMerge>
__global__ void __launch_bounds__(kThreads, 2) registers_kernel(Args a) {
  __shared__ float scratch[32];
  __shared__ MaxSum warps[kThreads / 32];
  const int64_t row = blockIdx.x;
  const int64_t vocab = a.s.vocab;
  const int32_t target = a.targets[row];
  const bool ignored = target == a.s.ignore_index;
  const uint4* in = reinterpret_cast<const uint4*>(static_cast<const __nv_bfloat16*>(a.logits.data) +
                                                   row * a.logits.stride);
  uint4 raw[kRowChunks];
#pragma unroll
  for (int c = 0; c < kRowChunks; ++c)
    raw[c] = chunk_in_row<kRowChunks, kThreads>(c, vocab) ? in[threadIdx.x + c * kThreads] : make_uint4(0, 0, 0, 0);
  const float target_logit =
      ignored ? 0.f : __bfloat162float(static_cast<const __nv_bfloat16*>(a.logits.data)[row * a.logits.stride + target]);
  float lse;
  if constexpr (kMerge) {
    const float m = thread_max<kRowChunks, kThreads>(raw, vocab);
    lse = block_lse({m, thread_sum<kRowChunks, kThreads>(raw, vocab, m)}, warps);
  } else {
    const float m = block_max(thread_max<kRowChunks, kThreads>(raw, vocab), scratch);
    lse = m + logf(block_sum(thread_sum<kRowChunks, kThreads>(raw, vocab, m), scratch));
  }
  if (threadIdx.x == 0) write_row_results(a, row, lse, target_logit, ignored);
  if (a.dlogits.data) store_gradient<kRowChunks, kThreads>(a, row, raw, lse, ignored ? 0.f : a.grad_scale, target);
}

// On Hopper: a persistent block per SM keeps kStages rows in shared memory, each fetched by one
// bulk copy issued kStages rows ahead, so the copy engine keeps loading while the threads compute
// (the register kernel above can only overlap its two rows per SM). bf16 rows of at most
// kBulkVocab elements, 16-byte aligned.
constexpr int kBulkThreads = 1024, kBulkChunks = 4, kStages = 3;
constexpr int64_t kBulkVocab = int64_t(kBulkThreads) * kBulkChunks * 8;
constexpr size_t kBulkShared = kStages * kBulkVocab * 2;

__global__ void __launch_bounds__(kBulkThreads, 1) bulk_kernel(Args a) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  extern __shared__ __align__(128) uint4 stages[];  // kStages rows of kBulkVocab / 8 uint4
  __shared__ uint64_t full[kStages];
  __shared__ float scratch[32];
  const int64_t vocab = a.s.vocab;
  const uint32_t row_bytes = uint32_t(vocab * 2);
  auto logits_row = [&](int64_t row) {
    return static_cast<const __nv_bfloat16*>(a.logits.data) + row * a.logits.stride;
  };
  if (threadIdx.x == 0) {
    for (int s = 0; s < kStages; ++s) barrier_init(&full[s]);
    for (int s = 0; s < kStages; ++s) {
      const int64_t row = blockIdx.x + int64_t(s) * gridDim.x;
      if (row >= a.s.rows) break;
      barrier_expect_bytes(&full[s], row_bytes);
      bulk_copy(stages + s * (kBulkVocab / 8), logits_row(row), row_bytes, &full[s]);
    }
  }
  __syncthreads();
  int k = 0;
  for (int64_t row = blockIdx.x; row < a.s.rows; row += gridDim.x, ++k) {
    const int s = k % kStages;
    uint4* stage = stages + s * (kBulkVocab / 8);
    barrier_wait(&full[s], (k / kStages) & 1);
    uint4 raw[kBulkChunks];
#pragma unroll
    for (int c = 0; c < kBulkChunks; ++c)
      raw[c] = chunk_in_row<kBulkChunks, kBulkThreads>(c, vocab) ? stage[threadIdx.x + c * kBulkThreads]
                                                                 : make_uint4(0, 0, 0, 0);
    const int32_t target = a.targets[row];
    const bool ignored = target == a.s.ignore_index;
    const float target_logit = ignored ? 0.f : __bfloat162float(reinterpret_cast<const __nv_bfloat16*>(stage)[target]);
    const float m = block_max(thread_max<kBulkChunks, kBulkThreads>(raw, vocab), scratch);
    // Every thread has read the stage (block_max synchronises): refill it kStages rows ahead.
    const int64_t ahead = row + int64_t(kStages) * gridDim.x;
    if (threadIdx.x == 0 && ahead < a.s.rows) {
      barrier_expect_bytes(&full[s], row_bytes);
      bulk_copy(stage, logits_row(ahead), row_bytes, &full[s]);
    }
    const float lse = m + logf(block_sum(thread_sum<kBulkChunks, kBulkThreads>(raw, vocab, m), scratch));
    if (threadIdx.x == 0) write_row_results(a, row, lse, target_logit, ignored);
    if (a.dlogits.data) store_gradient<kBulkChunks, kBulkThreads>(a, row, raw, lse, ignored ? 0.f : a.grad_scale, target);
  }
#endif
}

// Which bf16 row kernel runs; LONGNET_CE_KERNEL=merge|registers|bulk picks one for the session-3
// measurement (temporary).
enum class RowKernel { merge, registers, bulk };

RowKernel row_kernel_choice() {
  const char* e = std::getenv("LONGNET_CE_KERNEL");
  const std::string v = e ? e : "";
  if (v == "merge") return RowKernel::merge;
  if (v == "registers") return RowKernel::registers;
  return RowKernel::bulk;
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
        gradient8<false>(v[u], lse, scale, i, target);
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
  const RowKernel choice = row_kernel_choice();
  if (choice == RowKernel::bulk && vec && s.dtype == DType::bf16 && s.vocab <= kBulkVocab &&
      bulk_copy_runs(reinterpret_cast<const void*>(bulk_kernel))) {
    int sms = 0;
    check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, ctx.device()), "cudaDeviceGetAttribute");
    check(cudaFuncSetAttribute(bulk_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(kBulkShared)),
          "cudaFuncSetAttribute");
    bulk_kernel<<<unsigned(std::min<int64_t>(s.rows, sms)), kBulkThreads, kBulkShared, ctx.stream()>>>(a);
  } else if (vec && s.dtype == DType::bf16 && s.vocab <= int64_t(kRowChunks) * 8 * kThreads) {
    if (choice == RowKernel::merge)
      registers_kernel<true><<<unsigned(s.rows), kThreads, 0, ctx.stream()>>>(a);
    else
      registers_kernel<false><<<unsigned(s.rows), kThreads, 0, ctx.stream()>>>(a);
  } else if (vec)
    cross_entropy_kernel<true><<<unsigned(s.rows), kThreads, 0, ctx.stream()>>>(a);
  else
    cross_entropy_kernel<false><<<unsigned(s.rows), kThreads, 0, ctx.stream()>>>(a);
  check_launch("cross_entropy_kernel");
}

}  // namespace longnet::cuda
