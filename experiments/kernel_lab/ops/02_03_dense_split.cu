// Elementwise 02 and 03 (variants.h): the library's 16-byte dense kernel (elementwise.cu) with
// the row-repeat index chosen at compile time. The op formulas are the library's, written as
// fp32 expressions in the same order, so every variant stores the library's bits.
#include "ops/cuda/kernel_support.cuh"
#include "variants.h"

namespace longnet::cuda::lab {
namespace {

using namespace detail;

enum class Op { gelu, gelu_backward, add };

// How an input's 16-byte groups are found: every input dense (g * 8); an input that repeats one
// row at g * 8 % period (the library's form, a 64-bit modulo per load); or at an offset kept per
// thread and advanced by an add and a compare per grid-stride step.
enum class Index { dense, modulo, incremental };

constexpr float kInvSqrt2 = 0.70710678118654752440f;
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;

template <Op kOp>
__device__ __forceinline__ float apply(float a, float b) {
  if constexpr (kOp == Op::gelu) {
    return 0.5f * a * (1.f + erf(a * kInvSqrt2));
  } else if constexpr (kOp == Op::gelu_backward) {
    const float cdf = 0.5f * (1.f + erf(a * kInvSqrt2));
    const float pdf = kInvSqrt2Pi * exp(-0.5f * a * a);
    return b * (cdf + a * pdf);
  } else {
    return a + b;
  }
}

struct Dense {
  void* out;
  const void* in[2];
  DType type[3];       // out, in[0], in[1]
  int64_t period[2];   // 0: the input is dense; else the row length it repeats
};

template <int kInputs, Op kOp, Index kIndex>
__global__ void dense_kernel(Dense o, int64_t n8) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  int64_t g = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  // incremental: offsets of this thread's two groups in each repeated row, and their advance.
  int64_t at[kInputs][2] = {}, advance[kInputs] = {};
  if constexpr (kIndex == Index::incremental) {
#pragma unroll
    for (int v = 0; v < kInputs; ++v)
      if (const int64_t p = o.period[v]) {
        at[v][0] = g * 8 % p, at[v][1] = (g + step) * 8 % p, advance[v] = 2 * step * 8 % p;
      }
  }
  for (; g < n8; g += 2 * step) {
    const bool second = g + step < n8;
    float x[2][kInputs][8], y[8];
#pragma unroll
    for (int v = 0; v < kInputs; ++v) {
      int64_t first = g * 8, next = (g + step) * 8;
      if constexpr (kIndex == Index::modulo) {
        const int64_t p = o.period[v];
        first = p ? first % p : first, next = p ? next % p : next;
      } else if constexpr (kIndex == Index::incremental) {
        if (o.period[v]) first = at[v][0], next = at[v][1];
      }
      load8(o.in[v], o.type[v + 1], first, x[0][v]);
      if (second) load8(o.in[v], o.type[v + 1], next, x[1][v]);
    }
#pragma unroll
    for (int u = 0; u < 2; ++u) {
      if (u == 1 && !second) break;
#pragma unroll
      for (int j = 0; j < 8; ++j) y[j] = apply<kOp>(x[u][0][j], x[u][kInputs - 1][j]);
      store8(o.out, o.type[0], (g + u * step) * 8, y);
    }
    if constexpr (kIndex == Index::incremental) {
#pragma unroll
      for (int v = 0; v < kInputs; ++v)
#pragma unroll
        for (int k = 0; k < 2; ++k) {
          at[v][k] += advance[v];
          if (at[v][k] >= o.period[v]) at[v][k] -= o.period[v];
        }
    }
  }
}

// Whether a view walks e in row-major order (size-1 dims' strides ignored), or is one row of
// e[3] values, a multiple of 8, repeated for every row.
bool dense_view(const Strides& s, const Extent& e) {
  const Strides want = dense_strides(e);
  for (int d = 0; d < 4; ++d)
    if (e[d] != 1 && s[d] != want[d]) return false;
  return true;
}

bool repeated_row(const Strides& s, const Extent& e) {
  return e[3] % 8 == 0 && (e[0] == 1 || s[0] == 0) && (e[1] == 1 || s[1] == 0) && (e[2] == 1 || s[2] == 0) &&
         (e[3] == 1 || s[3] == 1);
}

bool vector_operand(const void* p, DType t) { return aligned16(p) && t != DType::f64; }

constexpr int kThreads = 256;
// 03's grid: enough blocks to fill every SM (8 x 256 threads), each thread looping over groups.
constexpr int kIncrementalBlocksPerSm = 8;

template <int kInputs, Op kOp, Index kIndex>
void launch(const Dense& o, int64_t n8, unsigned blocks, cudaStream_t stream) {
  dense_kernel<kInputs, kOp, kIndex><<<blocks, kThreads, 0, stream>>>(o, n8);
  check_launch("ops lab dense_kernel");
}

// Runs the lab's kernel when the call fits it; false sends the call to the library.
template <int kInputs, Op kOp>
bool run(DeviceContext& ctx, Index repeat, const Extent& e, const OutView& out, const InView* in) {
  const int64_t n = e[0] * e[1] * e[2] * e[3];
  if (n <= 0 || n % 8 != 0 || !dense_view(out.stride, e) || !vector_operand(out.data, out.dtype)) return false;
  Dense o{out.data, {nullptr, nullptr}, {out.dtype, out.dtype, out.dtype}, {0, 0}};
  bool repeats = false;
  for (int v = 0; v < kInputs; ++v) {
    const bool row = !dense_view(in[v].stride, e) && repeated_row(in[v].stride, e);
    if (!(dense_view(in[v].stride, e) || row) || !vector_operand(in[v].data, in[v].dtype)) return false;
    o.in[v] = in[v].data, o.type[v + 1] = in[v].dtype, o.period[v] = row ? e[3] : 0;
    repeats = repeats || row;
  }
  const int64_t n8 = n / 8;
  unsigned blocks = blocks_for((n8 + 1) / 2, kThreads);
  cudaStream_t stream = ctx.stream();
  if (!repeats) {
    launch<kInputs, kOp, Index::dense>(o, n8, blocks, stream);
  } else if (repeat == Index::modulo) {
    launch<kInputs, kOp, Index::modulo>(o, n8, blocks, stream);
  } else {
    int sms = 0;
    check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, ctx.device()), "cudaDeviceGetAttribute");
    blocks = std::min<unsigned>(blocks, unsigned(sms * kIncrementalBlocksPerSm));
    launch<kInputs, kOp, Index::incremental>(o, n8, blocks, stream);
  }
  return true;
}

bool run_unary(DeviceContext& ctx, Index repeat, UnaryOp op, const Extent& e, const InView& in, const OutView& out) {
  return op == UnaryOp::gelu && run<1, Op::gelu>(ctx, repeat, e, out, &in);
}

bool run_binary(DeviceContext& ctx, Index repeat, BinaryOp op, const Extent& e, const InView& a, const InView& b,
                const OutView& out) {
  const InView in[2] = {a, b};
  if (op == BinaryOp::gelu_backward) return run<2, Op::gelu_backward>(ctx, repeat, e, out, in);
  if (op == BinaryOp::add) return run<2, Op::add>(ctx, repeat, e, out, in);
  return false;
}

}  // namespace

void unary_split(DeviceContext& ctx, UnaryOp op, double alpha, const Extent& extent, const InView& in,
                 const OutView& out) {
  if (!run_unary(ctx, Index::modulo, op, extent, in, out)) unary(ctx, op, alpha, extent, in, out);
}

void binary_split(DeviceContext& ctx, BinaryOp op, const Extent& extent, const InView& a, const InView& b,
                  const OutView& out, double alpha) {
  if (!run_binary(ctx, Index::modulo, op, extent, a, b, out)) binary(ctx, op, extent, a, b, out, alpha);
}

void unary_incremental(DeviceContext& ctx, UnaryOp op, double alpha, const Extent& extent, const InView& in,
                       const OutView& out) {
  if (!run_unary(ctx, Index::incremental, op, extent, in, out)) unary(ctx, op, alpha, extent, in, out);
}

void binary_incremental(DeviceContext& ctx, BinaryOp op, const Extent& extent, const InView& a, const InView& b,
                        const OutView& out, double alpha) {
  if (!run_binary(ctx, Index::incremental, op, extent, a, b, out)) binary(ctx, op, extent, a, b, out, alpha);
}

}  // namespace longnet::cuda::lab
