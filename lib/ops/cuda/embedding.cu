#include <cub/device/device_radix_sort.cuh>

#include <bit>

#include "ops/cuda/embedding.h"
#include "ops/cuda/kernel_support.cuh"

namespace longnet::cuda {

namespace {

using namespace detail;

__global__ void forward_kernel(int64_t tokens, int64_t dim, DType t, const int32_t* ids, ConstRows table, Rows out) {
  int64_t token = global_warp();
  if (token >= tokens) return;
  int64_t src = ids[token] * table.stride, dst = token * out.stride;
  for (int64_t i = lane_id(); i < dim; i += 32) store(out.data, t, dst + i, load(table.data, t, src + i));
}

__global__ void zero_rows_kernel(int64_t rows, int64_t dim, DType t, Rows m) {
  int64_t row = global_warp();
  if (row >= rows) return;
  for (int64_t i = lane_id(); i < dim; i += 32) store(m.data, t, row * m.stride + i, 0.f);
}

// One warp per position of the sorted ids; the warp at the start of an id's run sums the run.
__global__ void segment_sum_kernel(int64_t tokens, int64_t dim, const int32_t* sorted_ids, const int32_t* order,
                                   DType dout_type, ConstRows dout, DType dtable_type, Rows dtable) {
  int64_t pos = global_warp();
  if (pos >= tokens) return;
  const int32_t id = sorted_ids[pos];
  if (pos > 0 && sorted_ids[pos - 1] == id) return;
  int64_t end = pos + 1;
  while (end < tokens && sorted_ids[end] == id) ++end;
  for (int64_t i = lane_id(); i < dim; i += 32) {
    float acc = 0.f;
    for (int64_t p = pos; p < end; ++p) acc += load(dout.data, dout_type, order[p] * dout.stride + i);
    store(dtable.data, dtable_type, id * dtable.stride + i, acc);
  }
}

__global__ void iota_kernel(int64_t n, int32_t* out) {
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i < n) out[i] = int32_t(i);
}

constexpr int kThreads = 256;

}  // namespace

void embedding_forward(DeviceContext& ctx, int64_t tokens, int64_t dim, DType dtype, const int32_t* ids,
                       ConstRows table, Rows out) {
  if (tokens <= 0 || dim <= 0) return;
  forward_kernel<<<blocks_for(tokens * 32, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(tokens, dim, dtype, ids,
                                                                                               table, out);
  check_launch("embedding forward_kernel");
}

void embedding_backward(DeviceContext& ctx, int64_t tokens, int64_t dim, int64_t vocab, const int32_t* ids,
                        DType dout_type, ConstRows dout, DType dtable_type, Rows dtable) {
  if (dim <= 0 || vocab <= 0) return;
  zero_rows_kernel<<<blocks_for(vocab * 32, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(vocab, dim, dtable_type,
                                                                                                dtable);
  check_launch("embedding zero_rows_kernel");
  if (tokens <= 0) return;
  if (tokens > INT32_MAX) raise_error("embedding_backward: " + std::to_string(tokens) + " tokens is more than 2^31");
  const int n = int(tokens);
  Block order_in(ctx.memory(), sizeof(int32_t) * n), order(ctx.memory(), sizeof(int32_t) * n),
      sorted(ctx.memory(), sizeof(int32_t) * n);
  iota_kernel<<<blocks_for(n, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(n, order_in.as<int32_t>());
  check_launch("embedding iota_kernel");
  const int end_bit = std::bit_width(uint64_t(vocab - 1)) + (vocab == 1);
  size_t temp_bytes = 0;
  check(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, ids, sorted.as<int32_t>(), order_in.as<int32_t>(),
                                        order.as<int32_t>(), n, 0, end_bit, ctx.stream()),
        "cub::DeviceRadixSort::SortPairs (size)");
  Block temp(ctx.memory(), std::max<size_t>(temp_bytes, 1));
  check(cub::DeviceRadixSort::SortPairs(temp.get(), temp_bytes, ids, sorted.as<int32_t>(), order_in.as<int32_t>(),
                                        order.as<int32_t>(), n, 0, end_bit, ctx.stream()),
        "cub::DeviceRadixSort::SortPairs");
  segment_sum_kernel<<<blocks_for(int64_t(n) * 32, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(
      n, dim, sorted.as<int32_t>(), order.as<int32_t>(), dout_type, dout, dtable_type, dtable);
  check_launch("embedding segment_sum_kernel");
}

}  // namespace longnet::cuda
