// Variants 10-15: the library's flash backward (lib/attention/cuda/flash_backward.cuh: dK/dV by
// key-owning CTAs, dQ by query-owning CTAs, S/dP/P/dS and accumulators in registers, cp.async
// double buffer, swizzled tiles, ldmatrix) in CTA shapes: warps per CTA, 16-row tiles per warp
// and the streamed tile's rows, per kernel and head dim (variants.h lists them).
#include "attention/cuda/flash_backward.cuh"
#include "variants.h"

namespace longnet::attention::lab {
namespace {

using namespace cuda_detail;

template <BackwardShape K64, BackwardShape Q64, BackwardShape K128, BackwardShape Q128>
void shape_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch, View q,
                View k, View v, View d_o, const float* lse, const float* dsum, float* dq_acc,
                float* dk_acc, float* dv_acc, void* stream) {
  const FlashBackwardArgs a{q, k, v, d_o, lse, dsum, dq_acc, dk_acc, dv_acc};
  if (head_dim == 64) return launch_flash_backward<64, K64, Q64>(pass, g, batch, a, stream);
  launch_flash_backward<128, K128, Q128>(pass, g, batch, a, stream);
}

}  // namespace

template <BackwardShape K64, BackwardShape Q64, BackwardShape K128, BackwardShape Q128>
void flash_shape_backward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                          Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v,
                          Bnhd<const bf16_bits> o, Bnhd<const bf16_bits> d_o, const float* lse,
                          Bnhd<bf16_bits> dq, Bnhd<bf16_bits> dk, Bnhd<bf16_bits> dv, bool,
                          const CudaLaunch& launch) {
  backward_with(shape_pass<K64, Q64, K128, Q128>, spec, p, q, k, v, o, d_o, lse, dq, dk, dv,
                launch);
}

#define LONGNET_LAB_BACKWARD_SHAPE(K64, Q64, K128, Q128)                                         \
  template void flash_shape_backward<K64, Q64, K128, Q128>(                                      \
      const Spec&, const Problem&, Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,                 \
      Bnhd<const bf16_bits>, Bnhd<const bf16_bits>, Bnhd<const bf16_bits>, const float*,        \
      Bnhd<bf16_bits>, Bnhd<bf16_bits>, Bnhd<bf16_bits>, bool, const CudaLaunch&);
LONGNET_LAB_BACKWARD_SHAPE(kW4, kW4, kW4Half, kW4)
LONGNET_LAB_BACKWARD_SHAPE(kW8, kW8, kW8Half, kW8)
LONGNET_LAB_BACKWARD_SHAPE(kW8, kW4x2, kW8Half, kW8)
LONGNET_LAB_BACKWARD_SHAPE(kW8, kW8x2, kW8Half, kW8)
LONGNET_LAB_BACKWARD_SHAPE(kW8, kW8Half2, kW8Half, kW8)
LONGNET_LAB_BACKWARD_SHAPE(kW4Half3, kW4x3, kW8Half, kW8)
#undef LONGNET_LAB_BACKWARD_SHAPE

}  // namespace longnet::attention::lab
