#pragma once
// Private device helpers of the CUDA kernels: typed loads and stores that convert to and from the
// kernel's arithmetic type (fp32 by default; fp64 where an operand is f64), and reductions whose
// order is fixed (so results are bitwise reproducible run to run).
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <math_constants.h>

#include <cstdint>
#include <initializer_list>

#include "ops/cuda/cuda_check.h"
#include "ops/cuda/dtype.h"

namespace longnet::cuda::detail {

// Element i of storage type t as the arithmetic type T (float or double).
template <class T = float>
__device__ __forceinline__ T load(const void* p, DType t, int64_t i) {
  if (t == DType::f32) return T(static_cast<const float*>(p)[i]);
  if (t == DType::bf16) return T(__bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]));
  return T(static_cast<const double*>(p)[i]);
}

// v rounded to nearest even to storage type t. A double goes to bf16 through float, as the CPU
// backend's casts do, so both devices store the same bits.
template <class T>
__device__ __forceinline__ void store(void* p, DType t, int64_t i, T v) {
  if (t == DType::f32)
    static_cast<float*>(p)[i] = float(v);
  else if (t == DType::bf16)
    static_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16_rn(float(v));
  else
    static_cast<double*>(p)[i] = double(v);
}

// Calls f(T{}) with T the arithmetic type for operands of these storage types: double when any
// is f64 (so f64 is computed in fp64, never through fp32), else float.
template <class F>
void with_math_type(std::initializer_list<DType> types, F&& f) {
  for (DType t : types)
    if (t == DType::f64) return f(double{});
  f(float{});
}

// Eight bf16 values packed in 16 bytes, to and from fp32 (round to nearest even).
__device__ __forceinline__ void unpack8(const uint4& raw, float (&v)[8]) {
  const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    float2 f = __bfloat1622float2(h[j]);
    v[2 * j] = f.x, v[2 * j + 1] = f.y;
  }
}

__device__ __forceinline__ uint4 pack8(const float (&v)[8]) {
  uint4 raw;
  __nv_bfloat162* h = reinterpret_cast<__nv_bfloat162*>(&raw);
#pragma unroll
  for (int j = 0; j < 4; ++j) h[j] = __floats2bfloat162_rn(v[2 * j], v[2 * j + 1]);
  return raw;
}

// Eight consecutive elements through one or two 16-byte accesses; p + i must be 16-byte aligned.
__device__ __forceinline__ void load8(const void* p, DType t, int64_t i, float (&v)[8]) {
  if (t == DType::f32) {
    const float4* q = reinterpret_cast<const float4*>(static_cast<const float*>(p) + i);
    float4 a = q[0], b = q[1];
    v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w, v[4] = b.x, v[5] = b.y, v[6] = b.z, v[7] = b.w;
  } else {
    unpack8(*reinterpret_cast<const uint4*>(static_cast<const __nv_bfloat16*>(p) + i), v);
  }
}

__device__ __forceinline__ void store8(void* p, DType t, int64_t i, const float (&v)[8]) {
  if (t == DType::f32) {
    float4* q = reinterpret_cast<float4*>(static_cast<float*>(p) + i);
    q[0] = make_float4(v[0], v[1], v[2], v[3]);
    q[1] = make_float4(v[4], v[5], v[6], v[7]);
  } else {
    *reinterpret_cast<uint4*>(static_cast<__nv_bfloat16*>(p) + i) = pack8(v);
  }
}

// For kernels that give one warp to each row (or output): this thread's warp across the grid.
__device__ __forceinline__ int64_t global_warp() { return (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) >> 5; }
__device__ __forceinline__ int lane_id() { return threadIdx.x & 31; }

// Whether p may be accessed 16 bytes at a time (the load8/store8 paths); null counts as aligned.
inline bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

// NaN-propagating max (fmaxf would drop a NaN).
template <class T>
__device__ __forceinline__ T max_nan(T a, T b) { return (a > b || a != a) ? a : b; }

template <class T>
__device__ __forceinline__ T warp_sum(T v) {
#pragma unroll
  for (int o = 16; o; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <class T>
__device__ __forceinline__ T warp_max(T v) {
#pragma unroll
  for (int o = 16; o; o >>= 1) v = max_nan(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum over the block, returned to every thread. `scratch` holds 32 floats; blockDim.x is a
// multiple of 32.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_sum(v);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : 0.f;
  return warp_sum(v);
}

// Max over the block (NaN-propagating), returned to every thread; as block_sum.
__device__ __forceinline__ float block_max(float v, float* scratch) {
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : -CUDART_INF_F;
  return warp_max(v);
}

inline unsigned blocks_for(int64_t n, int threads, int64_t cap = 65535LL * 32) {
  int64_t b = (n + threads - 1) / threads;
  return unsigned(b < 1 ? 1 : (b > cap ? cap : b));
}

}  // namespace longnet::cuda::detail
