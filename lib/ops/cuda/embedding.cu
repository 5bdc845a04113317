#include <cub/device/device_radix_sort.cuh>

#include <bit>

#include "ops/cuda/embedding.h"
#include "ops/cuda/pieces.cuh"

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

// The backward's sum runs over the sorted positions, cut into fixed tiles of kTile positions, one
// warp per tile: a run of one id inside a tile is summed and written to its table row; a run that
// crosses a tile boundary leaves its tile's sum in `partial` (slot 0: the tile's first run, slot 1:
// its last), and combine_runs_kernel adds those in tile order. Long runs of a frequent id are so
// spread over many warps, and the grouping of the additions depends on the ids only.
constexpr int kTile = 32, kRowsInFlight = 8;
static_assert(kTile == 32, "a tile's ids and rows are held one per lane");

struct Sum {
  int64_t tokens, dim;
  const int32_t *sorted_ids, *order;
  DType dout_type, dtable_type;
  ConstRows dout;
  Rows dtable;
  float* partial;  // [tiles][2][dim]
};

template <bool kVec>
__global__ void tile_sum_kernel(Sum a) {
  const int64_t tile = global_warp(), begin = tile * kTile;
  if (begin >= a.tokens) return;
  const int len = int(min(int64_t(kTile), a.tokens - begin)), lane = lane_id();
  const int32_t my_id = lane < len ? a.sorted_ids[begin + lane] : -1;
  const int64_t my_row = lane < len ? a.order[begin + lane] * a.dout.stride : 0;
  const int32_t first_id = __shfl_sync(0xffffffffu, my_id, 0), last_id = __shfl_sync(0xffffffffu, my_id, len - 1);
  const bool crosses_start = begin > 0 && a.sorted_ids[begin - 1] == first_id;
  const bool crosses_end = begin + len < a.tokens && a.sorted_ids[begin + len] == last_id;
  for (int64_t col0 = 0; col0 < a.dim; col0 += 256) {
    const int64_t col = col0 + lane * 8;
    const int valid = int(col < a.dim ? min(int64_t(8), a.dim - col) : 0);
    float acc[8] = {};
    bool first_run = true;
    int32_t id = first_id;
    // The run of `id` ends here: to its table row, or to `partial` when it crosses the tile.
    auto flush = [&](bool last_run) {
      if (valid == 0) return;
      if ((first_run && crosses_start) || (last_run && crosses_end))
        store_piece<kVec>(a.partial, DType::f32, (2 * tile + (first_run ? 0 : 1)) * a.dim, col, valid, acc);
      else
        store_piece<kVec>(a.dtable.data, a.dtable_type, id * a.dtable.stride, col, valid, acc);
    };
    for (int r0 = 0; r0 < len; r0 += kRowsInFlight) {
      float v[kRowsInFlight][8];
#pragma unroll
      for (int k = 0; k < kRowsInFlight; ++k) {
        const int64_t row = __shfl_sync(0xffffffffu, my_row, r0 + k);
        if (r0 + k < len && valid) load_piece<kVec>(a.dout.data, a.dout_type, row, col, a.dim, v[k]);
      }
#pragma unroll
      for (int k = 0; k < kRowsInFlight; ++k) {
        const int32_t next = __shfl_sync(0xffffffffu, my_id, r0 + k);
        if (r0 + k >= len) break;
        if (next != id) {
          flush(false);
          first_run = false, id = next;
#pragma unroll
          for (int j = 0; j < 8; ++j) acc[j] = 0.f;
        }
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[j] += v[k][j];
      }
    }
    flush(true);
  }
}

// One block per tile; the block whose tile holds the start of a run that crosses its end adds that
// run's partials in tile order and writes the table row.
__global__ void combine_runs_kernel(Sum a) {
  const int64_t tile = blockIdx.x, begin = tile * kTile, end = min(begin + kTile, a.tokens);
  const int32_t id = a.sorted_ids[end - 1];
  if (end == a.tokens || a.sorted_ids[end] != id) return;
  const bool whole_tile = a.sorted_ids[begin] == id;
  if (whole_tile && begin > 0 && a.sorted_ids[begin - 1] == id) return;  // started in an earlier tile
  int64_t lo = end, hi = a.tokens;  // the run's end: the first later position of another id
  while (lo < hi) {
    const int64_t mid = (lo + hi) / 2;
    if (a.sorted_ids[mid] == id)
      lo = mid + 1;
    else
      hi = mid;
  }
  const int64_t last_tile = (lo - 1) / kTile;
  for (int64_t col = threadIdx.x; col < a.dim; col += blockDim.x) {
    float acc = a.partial[(2 * tile + (whole_tile ? 0 : 1)) * a.dim + col];
    for (int64_t u0 = tile + 1; u0 <= last_tile; u0 += kRowsInFlight) {
      float v[kRowsInFlight];
#pragma unroll
      for (int k = 0; k < kRowsInFlight; ++k) v[k] = u0 + k <= last_tile ? a.partial[2 * (u0 + k) * a.dim + col] : 0.f;
#pragma unroll
      for (int k = 0; k < kRowsInFlight; ++k)
        if (u0 + k <= last_tile) acc += v[k];
    }
    store(a.dtable.data, a.dtable_type, id * a.dtable.stride + col, acc);
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
  if (dtable.stride == dim) {  // one block of memory: zero bits are 0 in f32 and bf16
    ctx.fill_bytes(dtable.data, 0, size_t(vocab) * dim * size_of(dtable_type));
  } else {
    zero_rows_kernel<<<blocks_for(vocab * 32, kThreads, INT32_MAX), kThreads, 0, ctx.stream()>>>(vocab, dim,
                                                                                                  dtable_type, dtable);
    check_launch("embedding zero_rows_kernel");
  }
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
  const int64_t tiles = (n + kTile - 1) / kTile;
  Block partial(ctx.memory(), sizeof(float) * 2 * tiles * dim);
  Sum a{n, dim, sorted.as<int32_t>(), order.as<int32_t>(), dout_type, dtable_type, dout, dtable, partial.as<float>()};
  const bool vec = dim % 8 == 0 && aligned16(dout.data) && dout.stride % 8 == 0 && aligned16(dtable.data) &&
                   dtable.stride % 8 == 0;
  const unsigned grid = blocks_for(tiles * 32, kThreads, INT32_MAX);
  if (vec)
    tile_sum_kernel<true><<<grid, kThreads, 0, ctx.stream()>>>(a);
  else
    tile_sum_kernel<false><<<grid, kThreads, 0, ctx.stream()>>>(a);
  check_launch("embedding tile_sum_kernel");
  combine_runs_kernel<<<unsigned(tiles), kThreads, 0, ctx.stream()>>>(a);
  check_launch("embedding combine_runs_kernel");
}

}  // namespace longnet::cuda
