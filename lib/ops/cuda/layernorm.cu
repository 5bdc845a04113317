#include "ops/cuda/layernorm.h"
#include "ops/cuda/pieces.cuh"

namespace longnet::cuda {

namespace {

using namespace detail;

// A lane's pieces of a row (pieces.cuh): 8 consecutive elements, 256 apart across the warp.

__device__ __forceinline__ float round_to(DType t, float v) {
  return t == DType::bf16 ? __bfloat162float(__float2bfloat16_rn(v)) : v;
}

struct Forward {
  LayerNormShape s;
  ConstRows x, residual;
  Rows sum, y;
  const void *gamma, *beta;
  float *mean, *rstd;
};

// One warp per row; the row is read three times (mean, variance, output), from cache after the first.
template <bool kVec>
__global__ void forward_kernel(Forward f) {
  int64_t row = global_warp();
  int lane = lane_id();
  if (row >= f.s.rows) return;
  const int64_t dim = f.s.dim;
  const DType t = f.s.act;
  float v[8], r[8];
  float total = 0.f;
  for (int64_t i = lane * 8; i < dim; i += 256) {
    int valid = load_piece<kVec>(f.x.data, t, row * f.x.stride, i, dim, v);
    if (f.residual.data) {
      load_piece<kVec>(f.residual.data, t, row * f.residual.stride, i, dim, r);
#pragma unroll
      for (int j = 0; j < 8; ++j) v[j] = round_to(t, v[j] + r[j]);
      store_piece<kVec>(f.sum.data, t, row * f.sum.stride, i, valid, v);
    }
#pragma unroll
    for (int j = 0; j < 8; ++j) total += v[j];  // pieces past the row's end hold 0
  }
  const float mean = warp_sum(total) / float(dim);
  const void* src = f.residual.data ? f.sum.data : f.x.data;
  const int64_t src_off = row * (f.residual.data ? f.sum.stride : f.x.stride);
  float sq = 0.f;
  for (int64_t i = lane * 8; i < dim; i += 256) {
    int valid = load_piece<kVec>(src, t, src_off, i, dim, v);
#pragma unroll
    for (int j = 0; j < 8; ++j) sq += j < valid ? (v[j] - mean) * (v[j] - mean) : 0.f;
  }
  const float rstd = rsqrtf(warp_sum(sq) / float(dim) + f.s.eps);
  float g[8], b[8];
  for (int64_t i = lane * 8; i < dim; i += 256) {
    int valid = load_piece<kVec>(src, t, src_off, i, dim, v);
    load_piece<kVec>(f.gamma, f.s.param, 0, i, dim, g);
    load_piece<kVec>(f.beta, f.s.param, 0, i, dim, b);
#pragma unroll
    for (int j = 0; j < 8; ++j) v[j] = (v[j] - mean) * rstd * g[j] + b[j];
    store_piece<kVec>(f.y.data, t, row * f.y.stride, i, valid, v);
  }
  if (lane == 0) f.mean[row] = mean, f.rstd[row] = rstd;
}

// The fast path for bf16 activations (dim a multiple of 8, at most 256 * kPieces; rows 16-byte
// aligned): one warp per row with the row in registers as raw bf16 (4 registers per 8 values), so
// each element is read once, all of a lane's loads are in flight together, and enough warps fit
// on an SM to keep memory busy. Piece p of a lane is elements lane * 8 + 256 p .. + 8.
__device__ __forceinline__ bool piece_in_row(int p, int64_t dim) { return lane_id() * 8 + 256 * p < dim; }

template <int kPieces>
__device__ __forceinline__ void load_row(const void* data, int64_t base, int64_t dim, uint4 (&r)[kPieces]) {
  const uint4* row = reinterpret_cast<const uint4*>(static_cast<const __nv_bfloat16*>(data) + base);
#pragma unroll
  for (int p = 0; p < kPieces; ++p) r[p] = piece_in_row(p, dim) ? row[lane_id() + 32 * p] : make_uint4(0, 0, 0, 0);
}

template <int kPieces>
__device__ __forceinline__ void store_row(void* data, int64_t base, int64_t dim, const uint4 (&r)[kPieces]) {
  uint4* row = reinterpret_cast<uint4*>(static_cast<__nv_bfloat16*>(data) + base);
#pragma unroll
  for (int p = 0; p < kPieces; ++p)
    if (piece_in_row(p, dim)) row[lane_id() + 32 * p] = r[p];
}

// Mean and rstd of a row held in registers (pieces past the row's end hold 0).
template <int kPieces>
__device__ __forceinline__ void row_statistics(const uint4 (&r)[kPieces], int64_t dim, float eps, float& mean,
                                               float& rstd) {
  float total = 0.f, v[8];
#pragma unroll
  for (int p = 0; p < kPieces; ++p) {
    unpack8(r[p], v);
#pragma unroll
    for (int j = 0; j < 8; ++j) total += v[j];
  }
  mean = warp_sum(total) / float(dim);
  float sq = 0.f;
#pragma unroll
  for (int p = 0; p < kPieces; ++p)
    if (piece_in_row(p, dim)) {
      unpack8(r[p], v);
#pragma unroll
      for (int j = 0; j < 8; ++j) sq += (v[j] - mean) * (v[j] - mean);
    }
  rstd = rsqrtf(warp_sum(sq) / float(dim) + eps);
}

template <int kPieces>
__global__ void forward_registers_kernel(Forward f) {
  const int64_t row = global_warp();
  if (row >= f.s.rows) return;
  const int64_t dim = f.s.dim;
  const int lane = lane_id();
  uint4 x[kPieces];
  load_row<kPieces>(f.x.data, row * f.x.stride, dim, x);
  if (f.residual.data) {
    uint4 r[kPieces];
    load_row<kPieces>(f.residual.data, row * f.residual.stride, dim, r);
#pragma unroll
    for (int p = 0; p < kPieces; ++p) {
      float a[8], b[8];
      unpack8(x[p], a);
      unpack8(r[p], b);
#pragma unroll
      for (int j = 0; j < 8; ++j) a[j] += b[j];
      x[p] = pack8(a);  // the sum rounded to bf16, as stored
    }
    store_row<kPieces>(f.sum.data, row * f.sum.stride, dim, x);
  }
  float mean, rstd;
  row_statistics<kPieces>(x, dim, f.s.eps, mean, rstd);
#pragma unroll
  for (int p = 0; p < kPieces; ++p) {
    if (!piece_in_row(p, dim)) continue;
    float v[8], g[8], b[8];
    unpack8(x[p], v);
    load8(f.gamma, f.s.param, lane * 8 + 256 * p, g);
    load8(f.beta, f.s.param, lane * 8 + 256 * p, b);
#pragma unroll
    for (int j = 0; j < 8; ++j) v[j] = (v[j] - mean) * rstd * g[j] + b[j];
    x[p] = pack8(v);
  }
  store_row<kPieces>(f.y.data, row * f.y.stride, dim, x);
  if (lane == 0) f.mean[row] = mean, f.rstd[row] = rstd;
}

struct Backward {
  LayerNormShape s;
  ConstRows dy, x, dx_add;
  Rows dx;
  const float *mean, *rstd;
  const void* gamma;
};

// dx = rstd * (g dy - mean(g dy) - xhat * mean(g dy xhat)), one warp per row.
template <bool kVec>
__global__ void backward_data_kernel(Backward b) {
  int64_t row = global_warp();
  int lane = lane_id();
  if (row >= b.s.rows) return;
  const int64_t dim = b.s.dim;
  const DType t = b.s.act;
  const float mean = b.mean[row], rstd = b.rstd[row];
  float x[8], dy[8], g[8];
  float sum_gdy = 0.f, sum_gdy_xhat = 0.f;
  for (int64_t i = lane * 8; i < dim; i += 256) {
    load_piece<kVec>(b.x.data, t, row * b.x.stride, i, dim, x);
    load_piece<kVec>(b.dy.data, t, row * b.dy.stride, i, dim, dy);
    load_piece<kVec>(b.gamma, b.s.param, 0, i, dim, g);
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      float gdy = g[j] * dy[j];  // 0 past the row's end
      sum_gdy += gdy;
      sum_gdy_xhat += gdy * (x[j] - mean) * rstd;
    }
  }
  const float a = warp_sum(sum_gdy) / float(dim), c = warp_sum(sum_gdy_xhat) / float(dim);
  float add[8];
  for (int64_t i = lane * 8; i < dim; i += 256) {
    int valid = load_piece<kVec>(b.x.data, t, row * b.x.stride, i, dim, x);
    load_piece<kVec>(b.dy.data, t, row * b.dy.stride, i, dim, dy);
    load_piece<kVec>(b.gamma, b.s.param, 0, i, dim, g);
    if (b.dx_add.data) load_piece<kVec>(b.dx_add.data, t, row * b.dx_add.stride, i, dim, add);
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      float xhat = (x[j] - mean) * rstd;
      x[j] = rstd * (g[j] * dy[j] - a - xhat * c) + (b.dx_add.data ? add[j] : 0.f);
    }
    store_piece<kVec>(b.dx.data, t, row * b.dx.stride, i, valid, x);
  }
}

// The fast path of the backward (bf16 activations, as the forward's): each block owns `chunk`
// consecutive rows, one warp per row with x and dy in registers (read once), writing dx and
// keeping per-lane dgamma/dbeta sums of its columns; the block's warps then add their sums in warp
// order into one partial per block.
constexpr int kMaxPieces = 4;
// 16 warps per SM at 128 registers: x and dy raw (24) and the sums of 24 columns (48) fit; at
// 1024 columns the sums would spill, so wider rows take the general path.
constexpr int kMaxBackwardPieces = 3;

template <int kPieces>
__global__ void __launch_bounds__(256, 2) backward_registers_kernel(Backward b, int64_t chunk, float* partial) {
  __shared__ float s_sum[2 * 256 * kPieces];  // dgamma then dbeta, dim <= 256 kPieces
  const int warp = threadIdx.x >> 5, warps = blockDim.x >> 5, lane = lane_id();
  const int64_t dim = b.s.dim;
  const int64_t begin = blockIdx.x * chunk, end = min(begin + chunk, b.s.rows);
  float dg[kPieces][8] = {}, db[kPieces][8] = {};
  for (int64_t row = begin + warp; row < end; row += warps) {
    uint4 xr[kPieces], dyr[kPieces];
    load_row<kPieces>(b.x.data, row * b.x.stride, dim, xr);
    load_row<kPieces>(b.dy.data, row * b.dy.stride, dim, dyr);
    const float mean = b.mean[row], rstd = b.rstd[row];
    float sum_gdy = 0.f, sum_gdy_xhat = 0.f;
#pragma unroll
    for (int p = 0; p < kPieces; ++p) {
      if (!piece_in_row(p, dim)) continue;
      float x[8], dy[8], g[8];
      unpack8(xr[p], x);
      unpack8(dyr[p], dy);
      load8(b.gamma, b.s.param, lane * 8 + 256 * p, g);  // an L1 hit after the first row
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        const float xhat = (x[j] - mean) * rstd, gdy = g[j] * dy[j];
        dg[p][j] += dy[j] * xhat;
        db[p][j] += dy[j];
        sum_gdy += gdy;
        sum_gdy_xhat += gdy * xhat;
      }
    }
    const float a = warp_sum(sum_gdy) / float(dim), c = warp_sum(sum_gdy_xhat) / float(dim);
#pragma unroll
    for (int p = 0; p < kPieces; ++p) {
      if (!piece_in_row(p, dim)) continue;
      float x[8], dy[8], g[8], add[8];
      unpack8(xr[p], x);
      unpack8(dyr[p], dy);
      load8(b.gamma, b.s.param, lane * 8 + 256 * p, g);
      if (b.dx_add.data) load8(b.dx_add.data, DType::bf16, row * b.dx_add.stride + lane * 8 + 256 * p, add);
#pragma unroll
      for (int j = 0; j < 8; ++j)
        x[j] = rstd * (g[j] * dy[j] - a - (x[j] - mean) * rstd * c) + (b.dx_add.data ? add[j] : 0.f);
      xr[p] = pack8(x);
    }
    store_row<kPieces>(b.dx.data, row * b.dx.stride, dim, xr);
  }
  for (int w = 0; w < warps; ++w) {
    if (warp == w)
#pragma unroll
      for (int p = 0; p < kPieces; ++p)
        if (piece_in_row(p, dim))
#pragma unroll
          for (int j = 0; j < 8; ++j) {
            const int col = lane * 8 + 256 * p + j;
            s_sum[col] = (w ? s_sum[col] : 0.f) + dg[p][j];
            s_sum[dim + col] = (w ? s_sum[dim + col] : 0.f) + db[p][j];
          }
    __syncthreads();
  }
  for (int64_t col = threadIdx.x; col < dim; col += blockDim.x) {
    partial[(blockIdx.x * 2) * dim + col] = s_sum[col];
    partial[(blockIdx.x * 2 + 1) * dim + col] = s_sum[dim + col];
  }
}

// dgamma = sum over rows of dy * xhat, dbeta = sum of dy. Block (32 columns x 8 row lanes) per
// (column tile, row chunk); partials per chunk, combined in chunk order by the next kernel.
constexpr int kRowLanes = 8;

__global__ void backward_params_kernel(Backward b, int64_t chunk, float* partial) {
  __shared__ float s_dg[kRowLanes][33], s_db[kRowLanes][33];
  const int64_t col = blockIdx.x * 32 + threadIdx.x;
  const int64_t begin = blockIdx.y * chunk, end = min(begin + chunk, b.s.rows);
  float dg = 0.f, db = 0.f;
  if (col < b.s.dim) {
    for (int64_t row = begin + threadIdx.y; row < end; row += kRowLanes) {
      float dy = load(b.dy.data, b.s.act, row * b.dy.stride + col);
      float x = load(b.x.data, b.s.act, row * b.x.stride + col);
      dg += dy * (x - b.mean[row]) * b.rstd[row];
      db += dy;
    }
  }
  s_dg[threadIdx.y][threadIdx.x] = dg;
  s_db[threadIdx.y][threadIdx.x] = db;
  __syncthreads();
  if (threadIdx.y == 0 && col < b.s.dim) {
    for (int k = 1; k < kRowLanes; ++k) dg += s_dg[k][threadIdx.x], db += s_db[k][threadIdx.x];
    partial[(blockIdx.y * 2) * b.s.dim + col] = dg;
    partial[(blockIdx.y * 2 + 1) * b.s.dim + col] = db;
  }
}

// Adds the chunk partials in a fixed order: 32 columns per block (coalesced), row lane y sums
// chunks y, y + 32, ..., then lane 0 adds the 32 lane sums in order. blockIdx.y: dgamma or dbeta.
constexpr int kChunkLanes = 32;

__global__ void combine_params_kernel(int64_t dim, int chunks, DType t, const float* partial, void* dgamma,
                                      void* dbeta) {
  __shared__ float s_part[kChunkLanes][33];
  const int64_t col = blockIdx.x * 32 + threadIdx.x;
  const int which = blockIdx.y;
  float acc = 0.f;
  if (col < dim)
    for (int c = threadIdx.y; c < chunks; c += kChunkLanes) acc += partial[(2 * c + which) * dim + col];
  s_part[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y != 0 || col >= dim) return;
  for (int k = 1; k < kChunkLanes; ++k) acc += s_part[k][threadIdx.x];
  store(which == 0 ? dgamma : dbeta, t, col, acc);
}

bool vectorizable(const LayerNormShape& s, std::initializer_list<const void*> ptrs,
                  std::initializer_list<int64_t> strides) {
  bool ok = s.dim % 8 == 0;
  for (const void* p : ptrs) ok = ok && aligned16(p);
  for (int64_t st : strides) ok = ok && st % 8 == 0;
  return ok;
}

void check_shape(const LayerNormShape& s, const char* what) {
  if (s.rows < 0 || s.dim <= 0) raise_error(std::string(what) + ": rows " + std::to_string(s.rows) + " and dim " + std::to_string(s.dim) + " must be positive");
}

constexpr int kThreads = 256;

// How many 256-element pieces per lane the register kernels need; 0 when they do not apply.
int register_pieces(const LayerNormShape& s, bool vec, int max_pieces) {
  return vec && s.act == DType::bf16 && s.dim <= 256 * max_pieces ? int((s.dim + 255) / 256) : 0;
}

void launch_forward(DeviceContext& ctx, const Forward& f) {
  check_shape(f.s, "layernorm_forward");
  if (f.s.rows == 0) return;
  bool vec = vectorizable(f.s, {f.x.data, f.residual.data, f.sum.data, f.y.data, f.gamma, f.beta},
                          {f.x.stride, f.residual.stride, f.sum.stride, f.y.stride});
  unsigned grid = blocks_for(f.s.rows * 32, kThreads, INT32_MAX);
  cudaStream_t stream = ctx.stream();
  switch (register_pieces(f.s, vec, kMaxPieces)) {
    case 1: forward_registers_kernel<1><<<grid, kThreads, 0, stream>>>(f); break;
    case 2: forward_registers_kernel<2><<<grid, kThreads, 0, stream>>>(f); break;
    case 3: forward_registers_kernel<3><<<grid, kThreads, 0, stream>>>(f); break;
    case 4: forward_registers_kernel<4><<<grid, kThreads, 0, stream>>>(f); break;
    default:
      if (vec)
        forward_kernel<true><<<grid, kThreads, 0, stream>>>(f);
      else
        forward_kernel<false><<<grid, kThreads, 0, stream>>>(f);
  }
  check_launch("layernorm forward_kernel");
}

}  // namespace

void layernorm_forward(DeviceContext& ctx, const LayerNormShape& s, ConstRows x, const void* gamma, const void* beta,
                       Rows y, float* mean, float* rstd) {
  launch_forward(ctx, {s, x, {nullptr, 0}, {nullptr, 0}, y, gamma, beta, mean, rstd});
}

void add_layernorm_forward(DeviceContext& ctx, const LayerNormShape& s, ConstRows x, ConstRows residual, Rows sum,
                           const void* gamma, const void* beta, Rows y, float* mean, float* rstd) {
  if (!residual.data || !sum.data) raise_error("add_layernorm_forward: residual and sum must be given");
  launch_forward(ctx, {s, x, residual, sum, y, gamma, beta, mean, rstd});
}

void layernorm_backward(DeviceContext& ctx, const LayerNormShape& s, ConstRows dy, ConstRows x, const float* mean,
                        const float* rstd, const void* gamma, Rows dx, ConstRows dx_add, void* dgamma, void* dbeta) {
  check_shape(s, "layernorm_backward");
  if (s.rows == 0) {  // no rows: the parameter gradients are zero
    ctx.fill_bytes(dgamma, 0, size_of(s.param) * s.dim);
    ctx.fill_bytes(dbeta, 0, size_of(s.param) * s.dim);
    return;
  }
  Backward b{s, dy, x, dx_add, dx, mean, rstd, gamma};
  // Fixed row chunks (they depend on the shape only), one partial dgamma/dbeta per chunk, added in
  // chunk order by combine_params_kernel: the same bits every run.
  int64_t chunks = std::min<int64_t>((s.rows + 63) / 64, 256);
  int64_t chunk = (s.rows + chunks - 1) / chunks;
  chunks = (s.rows + chunk - 1) / chunk;
  Block partial(ctx.memory(), sizeof(float) * 2 * s.dim * chunks);
  cudaStream_t stream = ctx.stream();
  const bool vec = vectorizable(s, {dy.data, x.data, dx.data, dx_add.data, gamma},
                                {dy.stride, x.stride, dx.stride, dx_add.stride});
  const int pieces = register_pieces(s, vec, kMaxBackwardPieces);
  switch (pieces) {
    case 1: backward_registers_kernel<1><<<unsigned(chunks), kThreads, 0, stream>>>(b, chunk, partial.as<float>()); break;
    case 2: backward_registers_kernel<2><<<unsigned(chunks), kThreads, 0, stream>>>(b, chunk, partial.as<float>()); break;
    case 3: backward_registers_kernel<3><<<unsigned(chunks), kThreads, 0, stream>>>(b, chunk, partial.as<float>()); break;
    default: {  // parameter gradients first, so that dx may overwrite dy or x
      dim3 grid2(unsigned((s.dim + 31) / 32), unsigned(chunks));
      backward_params_kernel<<<grid2, dim3(32, kRowLanes), 0, stream>>>(b, chunk, partial.as<float>());
      check_launch("layernorm backward_params_kernel");
    }
  }
  check_launch("layernorm backward kernel");
  combine_params_kernel<<<dim3(unsigned((s.dim + 31) / 32), 2), dim3(32, kChunkLanes), 0, stream>>>(s.dim, int(chunks), s.param,
                                                                              partial.as<float>(), dgamma, dbeta);
  check_launch("layernorm combine_params_kernel");
  if (pieces) return;
  unsigned grid = blocks_for(s.rows * 32, kThreads, INT32_MAX);
  if (vec)
    backward_data_kernel<true><<<grid, kThreads, 0, stream>>>(b);
  else
    backward_data_kernel<false><<<grid, kThreads, 0, stream>>>(b);
  check_launch("layernorm backward_data_kernel");
}

}  // namespace longnet::cuda
