#include "ops/cuda/indices.h"
#include "ops/cuda/kernel_support.cuh"

namespace longnet::cuda {

namespace {

using namespace detail;

__device__ int64_t read_index(const void* in, IndexType type, int64_t i) {
  if (type == IndexType::i32) return static_cast<const int32_t*>(in)[i];
  if (type == IndexType::i64) return static_cast<const int64_t*>(in)[i];
  return static_cast<const uint16_t*>(in)[i];
}

__global__ void narrow_kernel(int64_t n, const void* in, IndexType type, int64_t limit, int64_t skip, int32_t* out,
                              void* valid, DType valid_type, unsigned long long* bad) {
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const int64_t id = read_index(in, type, i);
  const bool skipped = id == skip;
  if (!skipped && (id < 0 || id >= limit)) atomicAdd(bad, 1ull);
  out[i] = int32_t(id);
  if (valid) store(valid, valid_type, i, skipped ? 0.f : 1.f);
}

// Where row i of a lookup starts in the table, or -1 when ids[i] is skipped.
__device__ __forceinline__ int64_t lookup_row(const int32_t* ids, int64_t i, int64_t step, int64_t skip,
                                              int64_t width) {
  return ids[i] == skip ? -1 : (i * step + ids[i]) * width;
}

template <class T>
__global__ void gather_kernel(int64_t n, int64_t width, const int32_t* ids, int64_t step, int64_t skip,
                              const void* table, void* out, DType type) {
  const int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (e >= n * width) return;
  const int64_t i = e / width, j = e % width, row = lookup_row(ids, i, step, skip, width);
  store(out, type, e, row < 0 ? T(0) : load<T>(table, type, row + j));
}

// Thread (i, j) for distinct rows (step > 0, one i per thread); thread j walking every i in order
// when rows may repeat (step 0).
template <class T>
__global__ void scatter_add_kernel(int64_t n, int64_t width, const int32_t* ids, int64_t step, int64_t skip,
                                   const void* src, void* table, DType type) {
  const int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  const int64_t per_thread = step == 0 ? n : 1;
  if (t >= width * (n / per_thread)) return;
  const int64_t j = t % width, first = (t / width) * per_thread;
  for (int64_t i = first; i < first + per_thread; ++i) {
    const int64_t row = lookup_row(ids, i, step, skip, width);
    if (row < 0) continue;
    store(table, type, row + j, load<T>(table, type, row + j) + load<T>(src, type, i * width + j));
  }
}

constexpr int kThreads = 256;

unsigned blocks(int64_t threads) { return unsigned((threads + kThreads - 1) / kThreads); }

}  // namespace

int64_t narrow_indices(DeviceContext& ctx, int64_t n, const void* in, IndexType type, int64_t limit,
                       int64_t skip, int32_t* out, void* valid, DType valid_type) {
  if (n == 0) return 0;
  Block bad(ctx.memory(), sizeof(unsigned long long));
  ctx.fill_bytes(bad.get(), 0, sizeof(unsigned long long));
  narrow_kernel<<<blocks(n), kThreads, 0, ctx.stream()>>>(n, in, type, limit, skip, out, valid, valid_type,
                                                          bad.as<unsigned long long>());
  check_launch("narrow_kernel");
  unsigned long long count = 0;
  ctx.copy_to_host(&count, bad.get(), sizeof count);
  return int64_t(count);
}

void gather_rows(DeviceContext& ctx, int64_t n, int64_t width, const int32_t* ids, int64_t step, int64_t skip,
                 const void* table, void* out, DType type) {
  if (n * width == 0) return;
  with_math_type({type}, [&](auto math) {
    gather_kernel<decltype(math)><<<blocks(n * width), kThreads, 0, ctx.stream()>>>(n, width, ids, step, skip,
                                                                                    table, out, type);
  });
  check_launch("gather_kernel");
}

void scatter_add_rows(DeviceContext& ctx, int64_t n, int64_t width, const int32_t* ids, int64_t step,
                      int64_t skip, const void* src, void* table, DType type) {
  if (n * width == 0) return;
  const int64_t threads = step == 0 ? width : n * width;
  with_math_type({type}, [&](auto math) {
    scatter_add_kernel<decltype(math)><<<blocks(threads), kThreads, 0, ctx.stream()>>>(n, width, ids, step, skip,
                                                                                       src, table, type);
  });
  check_launch("scatter_add_kernel");
}

}  // namespace longnet::cuda
