#include "ops/cuda/kernel_support.cuh"
#include "ops/cuda/rotary.h"

namespace longnet::cuda {

namespace {

using namespace detail;

struct Args {
  RotaryShape s;
  const void* in;
  void* out;
  int64_t is[3], os[3];  // plain arrays: std::array is host-only in device code
  float direction;  // +1 forward, -1 backward (the transposed rotation)
};

// One thread per pair (2j, 2j+1) of one (batch, position, head).
__global__ void rotary_kernel(Args a, int64_t pairs) {
  const int64_t half = a.s.head_dim / 2;
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < pairs;
       idx += int64_t(gridDim.x) * blockDim.x) {
    int64_t j = idx % half, rest = idx / half;
    int64_t h = rest % a.s.heads;
    rest /= a.s.heads;
    int64_t n = rest % a.s.seq, b = rest / a.s.seq;
    int64_t p = a.s.position_offset + n;
    double inv_freq = exp(-double(2 * j) / double(a.s.head_dim) * 9.210340371976184);  // ln(10000)
    double angle = fmod(double(p) * inv_freq, 6.283185307179586);
    float sin_a, cos_a;
    sincosf(float(angle), &sin_a, &cos_a);
    sin_a *= a.direction;
    float scale = 1.f;
    if (a.s.scale_sign != 0) {
      float z = (2.f * j + 0.4f * a.s.head_dim) / (1.4f * a.s.head_dim);
      scale = powf(z, float(a.s.scale_sign) * float(p - a.s.scale_origin) / a.s.scale_base);
    }
    int64_t in_off = b * a.is[0] + n * a.is[1] + h * a.is[2] + 2 * j;
    int64_t out_off = b * a.os[0] + n * a.os[1] + h * a.os[2] + 2 * j;
    float x0 = load(a.in, a.s.dtype, in_off), x1 = load(a.in, a.s.dtype, in_off + 1);
    store(a.out, a.s.dtype, out_off, scale * (x0 * cos_a - x1 * sin_a));
    store(a.out, a.s.dtype, out_off + 1, scale * (x1 * cos_a + x0 * sin_a));
  }
}

void launch(DeviceContext& ctx, const RotaryShape& s, const void* in, RotaryStrides is, void* out, RotaryStrides os,
            float direction) {
  if (s.head_dim <= 0 || s.head_dim % 2)
    raise_error("rotary: head_dim " + std::to_string(s.head_dim) + " must be positive and even");
  int64_t pairs = s.batch * s.seq * s.heads * (s.head_dim / 2);
  if (pairs <= 0) return;
  constexpr int kThreads = 256;
  Args a{s, in, out, {is[0], is[1], is[2]}, {os[0], os[1], os[2]}, direction};
  rotary_kernel<<<blocks_for(pairs, kThreads), kThreads, 0, ctx.stream()>>>(a, pairs);
  check_launch("rotary_kernel");
}

}  // namespace

void rotary_forward(DeviceContext& ctx, const RotaryShape& s, const void* in, RotaryStrides in_stride, void* out,
                    RotaryStrides out_stride) {
  launch(ctx, s, in, in_stride, out, out_stride, 1.f);
}

void rotary_backward(DeviceContext& ctx, const RotaryShape& s, const void* dout, RotaryStrides dout_stride, void* din,
                     RotaryStrides din_stride) {
  launch(ctx, s, dout, dout_stride, din, din_stride, -1.f);
}

}  // namespace longnet::cuda
