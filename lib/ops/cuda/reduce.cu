#include <math_constants.h>

#include "ops/cuda/kernel_support.cuh"
#include "ops/cuda/reduce.h"

namespace longnet::cuda {

namespace {

using namespace detail;

// The three kept dimensions, fastest last, and the reduced one.
struct Plan {
  int64_t size[3], in_stride[3], out_stride[3];
  int64_t length, step;  // the reduced dimension: its size and input stride
  const void* in;
  void* out;
  DType in_type, out_type;
  ReduceOp op;
};

__device__ __forceinline__ void offsets(const Plan& p, int64_t o, int64_t& in_off, int64_t& out_off) {
  in_off = out_off = 0;
#pragma unroll
  for (int d = 2; d >= 0; --d) {
    int64_t i = o % p.size[d];
    o /= p.size[d];
    in_off += i * p.in_stride[d];
    out_off += i * p.out_stride[d];
  }
}

// T is the accumulation type: float, or double when the input or output is f64.
template <class T>
__device__ __forceinline__ T combine(ReduceOp op, T a, T b) {
  return op == ReduceOp::max ? max_nan(a, b) : a + b;
}

template <class T>
__device__ __forceinline__ T identity(ReduceOp op) {
  return op == ReduceOp::max ? T(-CUDART_INF) : T(0);
}

template <class T>
__device__ __forceinline__ T finish(const Plan& p, T v) {
  return p.op == ReduceOp::mean ? v / T(p.length) : v;
}

// Reduced dimension contiguous: one warp per output, lanes stride through it.
template <class T>
__global__ void warp_kernel(Plan p, int64_t outputs) {
  int64_t o = global_warp();
  int lane = lane_id();
  if (o >= outputs) return;
  int64_t in_off, out_off;
  offsets(p, o, in_off, out_off);
  T acc = identity<T>(p.op);
  for (int64_t i = lane; i < p.length; i += 32) acc = combine(p.op, acc, load<T>(p.in, p.in_type, in_off + i * p.step));
  acc = p.op == ReduceOp::max ? warp_max(acc) : warp_sum(acc);
  if (lane == 0) store(p.out, p.out_type, out_off, finish(p, acc));
}

// Reduced dimension strided: one thread per output (neighbouring threads read neighbouring
// memory), the dimension cut into `chunks` fixed pieces whose partials a second pass combines in
// order.
template <class T>
__global__ void column_kernel(Plan p, int64_t outputs, int64_t chunk, T* partial) {
  int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (o >= outputs) return;
  int64_t in_off, out_off;
  offsets(p, o, in_off, out_off);
  int64_t begin = blockIdx.y * chunk, end = min(begin + chunk, p.length);
  T acc = identity<T>(p.op);
  for (int64_t i = begin; i < end; ++i) acc = combine(p.op, acc, load<T>(p.in, p.in_type, in_off + i * p.step));
  partial[blockIdx.y * outputs + o] = acc;
}

template <class T>
__global__ void combine_kernel(Plan p, int64_t outputs, int chunks, const T* partial) {
  int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (o >= outputs) return;
  int64_t in_off, out_off;
  offsets(p, o, in_off, out_off);
  T acc = identity<T>(p.op);
  for (int c = 0; c < chunks; ++c) acc = combine(p.op, acc, partial[c * outputs + o]);
  store(p.out, p.out_type, out_off, finish(p, acc));
}

template <class T>
void launch(DeviceContext& ctx, const Plan& p) {
  int64_t outputs = p.size[0] * p.size[1] * p.size[2];
  constexpr int kThreads = 256;
  if (p.step == 1 || outputs < 32) {
    warp_kernel<T><<<blocks_for(outputs * 32, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(p, outputs);
    check_launch("reduce warp_kernel");
    return;
  }
  // Enough chunks to give the GPU about a million threads, each summing at least 16 rows.
  int64_t chunks = std::max<int64_t>(1, std::min<int64_t>((1 << 20) / outputs, p.length / 16));
  chunks = std::min<int64_t>(chunks, 65535);
  int64_t chunk = (p.length + chunks - 1) / chunks;
  chunks = (p.length + chunk - 1) / chunk;
  Block partial(ctx.memory(), sizeof(T) * outputs * chunks);
  dim3 grid(blocks_for(outputs, kThreads, INT32_MAX), unsigned(chunks));
  column_kernel<T><<<grid, kThreads, 0, ctx.stream()>>>(p, outputs, chunk, partial.as<T>());
  check_launch("reduce column_kernel");
  combine_kernel<T><<<blocks_for(outputs, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(p, outputs, int(chunks),
                                                                                             partial.as<T>());
  check_launch("reduce combine_kernel");
}

}  // namespace

void reduce(DeviceContext& ctx, ReduceOp op, const Extent& extent, const InView& in, int dim, const OutView& out) {
  if (dim < 0 || dim > 3) raise_error("reduce: dim " + std::to_string(dim) + " is not in 0..3");
  Plan p{};
  int j = 0;
  for (int d = 0; d < 4; ++d) {
    if (extent[d] <= 0) raise_error("reduce: extent[" + std::to_string(d) + "] = " + std::to_string(extent[d]) + " is not positive");
    if (d == dim) continue;
    p.size[j] = extent[d];
    p.in_stride[j] = in.stride[d];
    p.out_stride[j] = out.stride[d];
    ++j;
  }
  p.length = extent[dim];
  p.step = in.stride[dim];
  p.in = in.data;
  p.out = out.data;
  p.in_type = in.dtype;
  p.out_type = out.dtype;
  p.op = op;
  with_math_type({in.dtype, out.dtype}, [&](auto math) { launch<decltype(math)>(ctx, p); });
}

}  // namespace longnet::cuda
