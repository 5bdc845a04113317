#include <cmath>

#include "ops/cuda/adamw.h"
#include "ops/cuda/kernel_support.cuh"

namespace longnet::cuda {

namespace {

using namespace detail;

struct Step {
  float lr, beta1, beta2, eps, decay_factor, step_size, inv_sqrt_bc2, grad_scale;
};

__device__ __forceinline__ void update(const Step& s, float g, float& p, float& m, float& v) {
  g *= s.grad_scale;
  p *= s.decay_factor;
  m = s.beta1 * m + (1.f - s.beta1) * g;
  v = s.beta2 * v + (1.f - s.beta2) * g * g;
  p -= s.step_size * m / (sqrtf(v) * s.inv_sqrt_bc2 + s.eps);
}

// kVec: eight elements per thread with 16-byte accesses (n a multiple of 8, aligned pointers).
template <bool kVec>
__global__ void adamw_kernel(Step s, int64_t n, DType gt, const void* grad, float* master, float* m, float* v,
                             DType pt, void* param) {
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  if constexpr (kVec) {
    for (int64_t i = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) * 8; i < n; i += stride * 8) {
      float g[8], p[8], mm[8], vv[8];
      load8(grad, gt, i, g);
      load8(master, DType::f32, i, p);
      load8(m, DType::f32, i, mm);
      load8(v, DType::f32, i, vv);
#pragma unroll
      for (int j = 0; j < 8; ++j) update(s, g[j], p[j], mm[j], vv[j]);
      store8(master, DType::f32, i, p);
      store8(m, DType::f32, i, mm);
      store8(v, DType::f32, i, vv);
      if (param) store8(param, pt, i, p);
    }
  } else {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += stride) {
      float p = master[i], mm = m[i], vv = v[i];
      update(s, load(grad, gt, i), p, mm, vv);
      master[i] = p, m[i] = mm, v[i] = vv;
      if (param) store(param, pt, i, p);
    }
  }
}

}  // namespace

void adamw_step(DeviceContext& ctx, const AdamWHyper& h, int64_t n, DType grad_type, const void* grad, float* master,
                float* m, float* v, DType param_type, void* param) {
  if (h.step < 1) raise_error("adamw_step: step " + std::to_string(h.step) + " must be >= 1 (it counts from 1)");
  if (n <= 0) return;
  // Bias corrections in double: beta^t for large t loses nothing there.
  double bc1 = 1.0 - std::pow(double(h.beta1), double(h.step));
  double bc2 = 1.0 - std::pow(double(h.beta2), double(h.step));
  Step s{h.lr, h.beta1, h.beta2, h.eps, 1.f - h.lr * h.weight_decay, float(h.lr / bc1), float(1.0 / std::sqrt(bc2)),
         h.grad_scale};
  bool vec = n % 8 == 0 && aligned16(grad) && aligned16(master) && aligned16(m) && aligned16(v) && aligned16(param);
  constexpr int kThreads = 256;
  if (vec)
    adamw_kernel<true><<<blocks_for(n / 8, kThreads), kThreads, 0, ctx.stream()>>>(s, n, grad_type, grad, master, m, v,
                                                                                  param_type, param);
  else
    adamw_kernel<false><<<blocks_for(n, kThreads), kThreads, 0, ctx.stream()>>>(s, n, grad_type, grad, master, m, v,
                                                                               param_type, param);
  check_launch("adamw_kernel");
}

}  // namespace longnet::cuda
