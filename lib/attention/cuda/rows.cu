// Element-wise kernels around the passes: lse initialisation, fp32 accumulators to bf16 views,
// and D = rowsum(dO * O) for the backward.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "attention/cuda/cuda_check.h"
#include "attention/cuda/launchers.h"

namespace longnet::attention::cuda_detail {
namespace {

constexpr int kThreads = 256;

unsigned blocks_for(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

__global__ void fill_kernel(float* x, int64_t n, float value) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) x[i] = value;
}

__global__ void store_kernel(const float* acc, Bnhd<uint16_t> out, int64_t rows, int64_t heads,
                             int64_t dim, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const int64_t d = i % dim, h = i / dim % heads, r = i / dim / heads % rows,
                b = i / dim / heads / rows;
  const __nv_bfloat16 x = __float2bfloat16(acc[i]);
  out.data[b * out.stride_b + r * out.stride_n + h * out.stride_h + d] =
      reinterpret_cast<const uint16_t&>(x);
}

// One warp per (batch, row, head).
__global__ void row_dot_kernel(View d_o, View o, float* dsum, int64_t rows, int64_t heads,
                               int64_t dim, int64_t n) {
  const int64_t w = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / 32;
  if (w >= n) return;
  const int lane = threadIdx.x % 32;
  const int64_t h = w % heads, r = w / heads % rows, b = w / heads / rows;
  const uint16_t* x = d_o.data + b * d_o.stride_b + r * d_o.stride_n + h * d_o.stride_h;
  const uint16_t* y = o.data + b * o.stride_b + r * o.stride_n + h * o.stride_h;
  float sum = 0;
  for (int64_t d = lane; d < dim; d += 32) {
    sum += __bfloat162float(reinterpret_cast<const __nv_bfloat16&>(x[d])) *
           __bfloat162float(reinterpret_cast<const __nv_bfloat16&>(y[d]));
  }
  for (int s = 16; s > 0; s /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, s);
  if (lane == 0) dsum[(b * heads + h) * rows + r] = sum;
}

}  // namespace

void fill_minus_inf(float* lse, int64_t n, void* stream) {
  if (n == 0) return;
  fill_kernel<<<blocks_for(n), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(lse, n,
                                                                                 -INFINITY);
  check_cuda(cudaGetLastError(), "lse fill launch");
}

void store_bf16(const float* acc, Bnhd<uint16_t> out, int64_t batch, int64_t rows, int64_t heads,
                int64_t head_dim, void* stream) {
  const int64_t n = batch * rows * heads * head_dim;
  if (n == 0) return;
  store_kernel<<<blocks_for(n), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      acc, out, rows, heads, head_dim, n);
  check_cuda(cudaGetLastError(), "bf16 store launch");
}

void row_dot(View d_o, View o, float* dsum, int64_t batch, int64_t rows, int64_t heads,
             int64_t head_dim, void* stream) {
  const int64_t n = batch * rows * heads;
  if (n == 0) return;
  row_dot_kernel<<<blocks_for(n * 32), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      d_o, o, dsum, rows, heads, head_dim, n);
  check_cuda(cudaGetLastError(), "row dot launch");
}

}  // namespace longnet::attention::cuda_detail
