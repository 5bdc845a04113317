// LayerNorm backward 02 and 03 (variants.h). The row work is the library's register kernel
// (layernorm.cu, backward_registers_kernel): one warp per row, x and dy held as raw bf16, dx
// written; only where the dgamma/dbeta sums live and how the block partials are combined differ.
#include <algorithm>

#include "ops/cuda/pieces.cuh"
#include "variants.h"

namespace longnet::cuda::lab {
namespace {

using namespace detail;

struct Backward {
  LayerNormShape s;
  ConstRows dy, x, dx_add;
  Rows dx;
  const float *mean, *rstd;
  const void* gamma;
};

constexpr int kThreads = 256, kWarps = kThreads / 32;
// 64 registers per thread: 4 blocks (32 warps) per SM, against the library's 128 and 16 warps.
constexpr int kBlocksPerSm = 4;
constexpr int kMaxPieces = 3;  // rows up to 768 wide, as the library's register kernel
constexpr int kChunkLanes = kThreads / 32;  // the combine: 32 columns x 8 chunk lanes per block

// Piece p of a lane is row elements lane * 8 + 256 p .. + 8 (as layernorm.cu).
__device__ __forceinline__ bool in_row(int p, int64_t dim) { return lane_id() * 8 + 256 * p < dim; }

template <int kPieces>
__device__ __forceinline__ void load_raw(const void* data, int64_t base, int64_t dim, uint4 (&r)[kPieces]) {
  const uint4* row = reinterpret_cast<const uint4*>(static_cast<const __nv_bfloat16*>(data) + base);
#pragma unroll
  for (int p = 0; p < kPieces; ++p) r[p] = in_row(p, dim) ? row[lane_id() + 32 * p] : make_uint4(0, 0, 0, 0);
}

// Shared-memory slot of column (p, lane, j) in a warp's area: consecutive lanes hit consecutive
// banks, so a warp's access is one wavefront.
__device__ __forceinline__ int slot(int p, int j, int lane) { return (p * 8 + j) * 32 + lane; }

// Adds the chunk partials of one 32-column tile of dgamma (even tiles) or dbeta (odd) in a fixed
// order: chunk lane y sums chunks y, y + 8, ..., then lane 0 adds the 8 lane sums in order.
// All threads of the block call it; `scratch` holds 8 x 33 floats.
__device__ void combine_tile(int tile, int64_t dim, int chunks, DType t, const float* partial, void* dgamma,
                             void* dbeta, float* scratch) {
  const int x = threadIdx.x & 31, y = threadIdx.x >> 5, which = tile & 1;
  const int64_t col = int64_t(tile >> 1) * 32 + x;
  float acc = 0.f;
  if (col < dim)
#pragma unroll 8
    for (int c = y; c < chunks; c += kChunkLanes) acc += __ldcg(partial + (2 * int64_t(c) + which) * dim + col);
  scratch[y * 33 + x] = acc;
  __syncthreads();
  if (y == 0 && col < dim) {
    for (int k = 1; k < kChunkLanes; ++k) acc += scratch[k * 33 + x];
    store(which ? dbeta : dgamma, t, col, acc);
  }
  __syncthreads();  // scratch is reused by the next tile
}

__host__ __device__ int combine_tiles(int64_t dim) { return int(2 * ((dim + 31) / 32)); }

struct Combine {
  int chunks;
  float* partial;
  void *dgamma, *dbeta;
  unsigned* ticket;  // 03 only: blocks finished, back to 0 after the last
};

__device__ unsigned g_ticket = 0;

template <int kPieces, bool kLastBlockCombines>
__global__ void __launch_bounds__(kThreads, kBlocksPerSm) backward_kernel(Backward b, int64_t chunk, Combine c) {
  extern __shared__ float s_sums[];  // per warp: dgamma slots, then dbeta slots
  constexpr int kArea = 2 * kPieces * 256;
  const int warp = threadIdx.x >> 5, lane = lane_id();
  float* dg = s_sums + warp * kArea;
  float* db = dg + kPieces * 256;
#pragma unroll
  for (int k = 0; k < kPieces * 8; ++k) dg[k * 32 + lane] = 0.f, db[k * 32 + lane] = 0.f;
  const int64_t dim = b.s.dim;
  const int64_t begin = blockIdx.x * chunk, end = min(begin + chunk, b.s.rows);
  // Each lane reads and writes only its own slots: no syncs in the row loop.
  for (int64_t row = begin + warp; row < end; row += kWarps) {
    uint4 xr[kPieces], dyr[kPieces];
    load_raw<kPieces>(b.x.data, row * b.x.stride, dim, xr);
    load_raw<kPieces>(b.dy.data, row * b.dy.stride, dim, dyr);
    const float mean = b.mean[row], rstd = b.rstd[row];
    float sum_gdy = 0.f, sum_gdy_xhat = 0.f;
#pragma unroll
    for (int p = 0; p < kPieces; ++p) {
      if (!in_row(p, dim)) continue;
      float x[8], dy[8], g[8];
      unpack8(xr[p], x);
      unpack8(dyr[p], dy);
      load8(b.gamma, b.s.param, lane * 8 + 256 * p, g);
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        const float xhat = (x[j] - mean) * rstd, gdy = g[j] * dy[j];
        dg[slot(p, j, lane)] += dy[j] * xhat;
        db[slot(p, j, lane)] += dy[j];
        sum_gdy += gdy;
        sum_gdy_xhat += gdy * xhat;
      }
    }
    const float a = warp_sum(sum_gdy) / float(dim), cc = warp_sum(sum_gdy_xhat) / float(dim);
    uint4* out = reinterpret_cast<uint4*>(static_cast<__nv_bfloat16*>(b.dx.data) + row * b.dx.stride);
#pragma unroll
    for (int p = 0; p < kPieces; ++p) {
      if (!in_row(p, dim)) continue;
      float x[8], dy[8], g[8], add[8];
      unpack8(xr[p], x);
      unpack8(dyr[p], dy);
      load8(b.gamma, b.s.param, lane * 8 + 256 * p, g);
      if (b.dx_add.data) load8(b.dx_add.data, DType::bf16, row * b.dx_add.stride + lane * 8 + 256 * p, add);
#pragma unroll
      for (int j = 0; j < 8; ++j)
        x[j] = rstd * (g[j] * dy[j] - a - (x[j] - mean) * rstd * cc) + (b.dx_add.data ? add[j] : 0.f);
      out[lane + 32 * p] = pack8(x);
    }
  }
  __syncthreads();
  // The block's partial: per column, the warps' sums added in warp order.
  for (int64_t col = threadIdx.x; col < dim; col += kThreads) {
    const int at = slot(int(col / 256), int(col % 8), int(col % 256 / 8));
    float sg = 0.f, sb = 0.f;
    for (int w = 0; w < kWarps; ++w) sg += s_sums[w * kArea + at], sb += s_sums[w * kArea + kPieces * 256 + at];
    c.partial[(blockIdx.x * 2) * dim + col] = sg;
    c.partial[(blockIdx.x * 2 + 1) * dim + col] = sb;
  }
  if constexpr (kLastBlockCombines) {
    __shared__ bool last;
    __threadfence();  // this block's partials are visible before its ticket
    __syncthreads();
    if (threadIdx.x == 0) last = atomicAdd(c.ticket, 1u) == gridDim.x - 1;
    __syncthreads();
    if (!last) return;
    __threadfence();
    for (int tile = 0; tile < combine_tiles(dim); ++tile)
      combine_tile(tile, dim, c.chunks, b.s.param, c.partial, c.dgamma, c.dbeta, s_sums);
    if (threadIdx.x == 0) *c.ticket = 0;
  }
}

__global__ void combine_kernel(int64_t dim, DType t, Combine c) {
  __shared__ float scratch[kChunkLanes * 33];
  combine_tile(blockIdx.x, dim, c.chunks, t, c.partial, c.dgamma, c.dbeta, scratch);
}

bool register_path(const LayerNormShape& s, const Backward& b) {
  bool ok = s.rows > 0 && s.act == DType::bf16 && s.dim % 8 == 0 && s.dim <= 256 * kMaxPieces;
  for (const void* p : {b.dy.data, b.x.data, static_cast<const void*>(b.dx.data), b.dx_add.data, b.gamma})
    ok = ok && aligned16(p);
  for (int64_t st : {b.dy.stride, b.x.stride, b.dx.stride, b.dx_add.stride}) ok = ok && st % 8 == 0;
  return ok;
}

template <int kPieces, bool kLastBlockCombines>
void launch(DeviceContext& ctx, const Backward& b, void* dgamma, void* dbeta) {
  const auto kernel = backward_kernel<kPieces, kLastBlockCombines>;
  const size_t smem = sizeof(float) * kWarps * 2 * kPieces * 256;
  int sms = 0, per_sm = 0;
  check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, ctx.device()), "cudaDeviceGetAttribute");
  // 48 KB of sums at 768 columns, plus 03's flag, is past the 48 KB a launch gets without asking.
  check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)), "cudaFuncSetAttribute");
  check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kThreads, smem), "cudaOccupancy");
  // One wave of blocks, each a fixed chunk of at least 64 rows; the chunks (so the bits) depend
  // on the shape and the GPU's SM count.
  int64_t chunks = std::min<int64_t>((b.s.rows + 63) / 64, int64_t(sms) * std::max(per_sm, 1));
  const int64_t chunk = (b.s.rows + chunks - 1) / chunks;
  chunks = (b.s.rows + chunk - 1) / chunk;
  Block partial(ctx.memory(), sizeof(float) * 2 * b.s.dim * chunks);
  unsigned* ticket = nullptr;
  if (kLastBlockCombines) check(cudaGetSymbolAddress(reinterpret_cast<void**>(&ticket), g_ticket), "ticket");
  const Combine c{int(chunks), partial.as<float>(), dgamma, dbeta, ticket};
  kernel<<<unsigned(chunks), kThreads, smem, ctx.stream()>>>(b, chunk, c);
  check_launch("ops lab layernorm backward_kernel");
  if (kLastBlockCombines) return;
  combine_kernel<<<unsigned(combine_tiles(b.s.dim)), kThreads, 0, ctx.stream()>>>(b.s.dim, b.s.param, c);
  check_launch("ops lab layernorm combine_kernel");
}

template <bool kLastBlockCombines>
void backward(DeviceContext& ctx, const LayerNormShape& s, ConstRows dy, ConstRows x, const float* mean,
              const float* rstd, const void* gamma, Rows dx, ConstRows dx_add, void* dgamma, void* dbeta) {
  const Backward b{s, dy, x, dx_add, dx, mean, rstd, gamma};
  if (!register_path(s, b)) return layernorm_backward(ctx, s, dy, x, mean, rstd, gamma, dx, dx_add, dgamma, dbeta);
  switch ((s.dim + 255) / 256) {
    case 1: return launch<1, kLastBlockCombines>(ctx, b, dgamma, dbeta);
    case 2: return launch<2, kLastBlockCombines>(ctx, b, dgamma, dbeta);
    default: return launch<3, kLastBlockCombines>(ctx, b, dgamma, dbeta);
  }
}

}  // namespace

void layernorm_backward_smem_sums(DeviceContext& ctx, const LayerNormShape& s, ConstRows dy, ConstRows x,
                                  const float* mean, const float* rstd, const void* gamma, Rows dx,
                                  ConstRows dx_add, void* dgamma, void* dbeta) {
  backward<false>(ctx, s, dy, x, mean, rstd, gamma, dx, dx_add, dgamma, dbeta);
}

void layernorm_backward_last_block_combine(DeviceContext& ctx, const LayerNormShape& s, ConstRows dy,
                                           ConstRows x, const float* mean, const float* rstd,
                                           const void* gamma, Rows dx, ConstRows dx_add, void* dgamma,
                                           void* dbeta) {
  backward<true>(ctx, s, dy, x, mean, rstd, gamma, dx, dx_add, dgamma, dbeta);
}

}  // namespace longnet::cuda::lab
