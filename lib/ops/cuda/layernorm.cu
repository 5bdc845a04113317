#include "ops/cuda/kernel_support.cuh"
#include "ops/cuda/layernorm.h"

namespace longnet::cuda {

namespace {

using namespace detail;

// A lane's pieces of a row: 8 consecutive elements, 256 apart across the warp. kVec reads them
// with 16-byte accesses (dim and strides multiples of 8, pointers aligned), else one by one.
template <bool kVec>
__device__ __forceinline__ int load_piece(const void* p, DType t, int64_t base, int64_t i, int64_t dim,
                                          float (&v)[8]) {
  if constexpr (kVec) {
    load8(p, t, base + i, v);
    return 8;
  } else {
    int valid = int(dim - i < 8 ? dim - i : 8);
#pragma unroll
    for (int j = 0; j < 8; ++j) v[j] = j < valid ? load(p, t, base + i + j) : 0.f;
    return valid;
  }
}

template <bool kVec>
__device__ __forceinline__ void store_piece(void* p, DType t, int64_t base, int64_t i, int valid,
                                            const float (&v)[8]) {
  if constexpr (kVec) {
    store8(p, t, base + i, v);
  } else {
#pragma unroll
    for (int j = 0; j < 8; ++j)
      if (j < valid) store(p, t, base + i + j, v[j]);
  }
}

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

// The fast path (dim a multiple of 8, at most 256 * kPieces; rows 16-byte aligned): one warp per
// row with the row in registers, so each element is read once and all of a lane's loads are in
// flight together. Piece p of a lane is elements lane * 8 + 256 p .. + 8.
__device__ __forceinline__ bool piece_in_row(int p, int64_t dim) {
  return lane_id() * 8 + 256 * p < dim;
}

template <int kPieces>
__device__ __forceinline__ void load_row(const void* data, DType t, int64_t base, int64_t dim,
                                         float (&v)[kPieces][8]) {
#pragma unroll
  for (int p = 0; p < kPieces; ++p) {
    if (piece_in_row(p, dim))
      load8(data, t, base + lane_id() * 8 + 256 * p, v[p]);
    else
#pragma unroll
      for (int j = 0; j < 8; ++j) v[p][j] = 0.f;
  }
}

template <int kPieces>
__device__ __forceinline__ void store_row(void* data, DType t, int64_t base, int64_t dim,
                                          const float (&v)[kPieces][8]) {
#pragma unroll
  for (int p = 0; p < kPieces; ++p)
    if (piece_in_row(p, dim)) store8(data, t, base + lane_id() * 8 + 256 * p, v[p]);
}

// Mean and rstd of a row held in registers (pieces past the row's end hold 0).
template <int kPieces>
__device__ __forceinline__ void row_statistics(const float (&v)[kPieces][8], int64_t dim, float eps, float& mean,
                                               float& rstd) {
  float total = 0.f;
#pragma unroll
  for (int p = 0; p < kPieces; ++p)
#pragma unroll
    for (int j = 0; j < 8; ++j) total += v[p][j];
  mean = warp_sum(total) / float(dim);
  float sq = 0.f;
#pragma unroll
  for (int p = 0; p < kPieces; ++p)
    if (piece_in_row(p, dim))
#pragma unroll
      for (int j = 0; j < 8; ++j) sq += (v[p][j] - mean) * (v[p][j] - mean);
  rstd = rsqrtf(warp_sum(sq) / float(dim) + eps);
}

template <int kPieces>
__global__ void forward_registers_kernel(Forward f) {
  const int64_t row = global_warp();
  if (row >= f.s.rows) return;
  const int64_t dim = f.s.dim;
  const DType t = f.s.act;
  float v[kPieces][8];
  load_row<kPieces>(f.x.data, t, row * f.x.stride, dim, v);
  if (f.residual.data) {
    float r[kPieces][8];
    load_row<kPieces>(f.residual.data, t, row * f.residual.stride, dim, r);
#pragma unroll
    for (int p = 0; p < kPieces; ++p)
#pragma unroll
      for (int j = 0; j < 8; ++j) v[p][j] = round_to(t, v[p][j] + r[p][j]);
    store_row<kPieces>(f.sum.data, t, row * f.sum.stride, dim, v);
  }
  float mean, rstd;
  row_statistics<kPieces>(v, dim, f.s.eps, mean, rstd);
  float g[kPieces][8], b[kPieces][8];
  load_row<kPieces>(f.gamma, f.s.param, 0, dim, g);
  load_row<kPieces>(f.beta, f.s.param, 0, dim, b);
#pragma unroll
  for (int p = 0; p < kPieces; ++p)
#pragma unroll
    for (int j = 0; j < 8; ++j) v[p][j] = (v[p][j] - mean) * rstd * g[p][j] + b[p][j];
  store_row<kPieces>(f.y.data, t, row * f.y.stride, dim, v);
  if (lane_id() == 0) f.mean[row] = mean, f.rstd[row] = rstd;
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

// The fast path of the backward: each block owns `chunk` consecutive rows, one warp per row with
// x and dy in registers (read once), writing dx and keeping per-lane dgamma/dbeta sums of its
// columns; the block's warps then add their sums in warp order into one partial per block.
constexpr int kMaxPieces = 4;
// 12 warps of up to 170 registers (x, dy and the sums of 24 columns each) fill an SM's registers;
// at 1024 columns the sums no longer fit without spilling, so wider rows take the general path.
constexpr int kBackwardThreads = 384, kMaxBackwardPieces = 3;

template <int kPieces>
__global__ void __launch_bounds__(kBackwardThreads, 1) backward_registers_kernel(Backward b, int64_t chunk, float* partial) {
  __shared__ float s_sum[2 * 256 * kPieces];  // dgamma then dbeta, dim <= 256 kPieces
  const int warp = threadIdx.x >> 5, warps = blockDim.x >> 5, lane = lane_id();
  const int64_t dim = b.s.dim;
  const DType t = b.s.act;
  const int64_t begin = blockIdx.x * chunk, end = min(begin + chunk, b.s.rows);
  float dg[kPieces][8] = {}, db[kPieces][8] = {};
  for (int64_t row = begin + warp; row < end; row += warps) {
    float x[kPieces][8], dy[kPieces][8];
    load_row<kPieces>(b.x.data, t, row * b.x.stride, dim, x);
    load_row<kPieces>(b.dy.data, t, row * b.dy.stride, dim, dy);
    const float mean = b.mean[row], rstd = b.rstd[row];
    float sum_gdy = 0.f, sum_gdy_xhat = 0.f;
#pragma unroll
    for (int p = 0; p < kPieces; ++p) {
      float g[8];  // gamma is re-read per row (an L1 hit) to leave registers to the sums
      if (piece_in_row(p, dim)) load8(b.gamma, b.s.param, lane * 8 + 256 * p, g);
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        const float xhat = (x[p][j] - mean) * rstd;
        dg[p][j] += dy[p][j] * xhat;  // dy and x are 0 past the row's end
        db[p][j] += dy[p][j];
        x[p][j] = xhat;
        dy[p][j] = piece_in_row(p, dim) ? g[j] * dy[p][j] : 0.f;  // from here on dy holds gamma * dy
        sum_gdy += dy[p][j];
        sum_gdy_xhat += dy[p][j] * xhat;
      }
    }
    const float a = warp_sum(sum_gdy) / float(dim), c = warp_sum(sum_gdy_xhat) / float(dim);
    float add[kPieces][8];
    if (b.dx_add.data) load_row<kPieces>(b.dx_add.data, t, row * b.dx_add.stride, dim, add);
#pragma unroll
    for (int p = 0; p < kPieces; ++p)
#pragma unroll
      for (int j = 0; j < 8; ++j)
        x[p][j] = rstd * (dy[p][j] - a - x[p][j] * c) + (b.dx_add.data ? add[p][j] : 0.f);
    store_row<kPieces>(b.dx.data, t, row * b.dx.stride, dim, x);
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

__global__ void combine_params_kernel(int64_t dim, int chunks, DType t, const float* partial, void* dgamma,
                                      void* dbeta) {
  int64_t col = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (col >= dim) return;
  float dg = 0.f, db = 0.f;
  for (int c = 0; c < chunks; ++c) dg += partial[(2 * c) * dim + col], db += partial[(2 * c + 1) * dim + col];
  store(dgamma, t, col, dg);
  store(dbeta, t, col, db);
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
  return vec && s.dim <= 256 * max_pieces ? int((s.dim + 255) / 256) : 0;
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
  int64_t chunks = std::min<int64_t>((s.rows + 71) / 72, 1024);  // >= 6 rows per warp of the fast path
  int64_t chunk = (s.rows + chunks - 1) / chunks;
  chunks = (s.rows + chunk - 1) / chunk;
  Block partial(ctx.memory(), sizeof(float) * 2 * s.dim * chunks);
  cudaStream_t stream = ctx.stream();
  const bool vec = vectorizable(s, {dy.data, x.data, dx.data, dx_add.data, gamma},
                                {dy.stride, x.stride, dx.stride, dx_add.stride});
  const int pieces = register_pieces(s, vec, kMaxBackwardPieces);
  switch (pieces) {
    case 1: backward_registers_kernel<1><<<unsigned(chunks), kBackwardThreads, 0, stream>>>(b, chunk, partial.as<float>()); break;
    case 2: backward_registers_kernel<2><<<unsigned(chunks), kBackwardThreads, 0, stream>>>(b, chunk, partial.as<float>()); break;
    case 3: backward_registers_kernel<3><<<unsigned(chunks), kBackwardThreads, 0, stream>>>(b, chunk, partial.as<float>()); break;
    default: {  // parameter gradients first, so that dx may overwrite dy or x
      dim3 grid2(unsigned((s.dim + 31) / 32), unsigned(chunks));
      backward_params_kernel<<<grid2, dim3(32, kRowLanes), 0, stream>>>(b, chunk, partial.as<float>());
      check_launch("layernorm backward_params_kernel");
    }
  }
  check_launch("layernorm backward kernel");
  combine_params_kernel<<<blocks_for(s.dim, kThreads), kThreads, 0, stream>>>(s.dim, int(chunks), s.param,
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
