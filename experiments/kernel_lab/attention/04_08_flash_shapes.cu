// Variants 04-08: the library's flash forward kernel (lib/attention/cuda/flash_forward.cuh:
// cp.async double-buffered K/V read in place, XOR-swizzled tiles, ldmatrix, P converted in
// registers, ex2 with the scale folded in) in different CTA shapes - warps per CTA and 16-row
// query tiles per warp - one shape at head dim 64 and one at 128 (variants.h lists them).
#include "attention/cuda/flash_forward.cuh"
#include "variants.h"

namespace longnet::attention::lab {
namespace {

template <int Warps, int MTiles, int Warps128, int MTiles128>
void shape_pass(int head_dim, const cuda_detail::Pass& pass, const cuda_detail::CallGeometry& g,
                int64_t batch, cuda_detail::View q, cuda_detail::View k, cuda_detail::View v,
                float* o_acc, float* lse, void* stream) {
  using cuda_detail::launch_flash_forward;
  if (head_dim == 64) {
    return launch_flash_forward<64, Warps, MTiles>(pass, g, batch, q, k, v, o_acc, lse, stream);
  }
  launch_flash_forward<128, Warps128, MTiles128>(pass, g, batch, q, k, v, o_acc, lse, stream);
}

}  // namespace

template <int Warps, int MTiles, int Warps128, int MTiles128>
void flash_shape_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                         Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                         float* lse, const CudaLaunch& launch) {
  cuda_detail::forward_with(shape_pass<Warps, MTiles, Warps128, MTiles128>, spec, p, q, k, v, o,
                            lse, launch);
}

template void flash_shape_forward<4, 1, 4, 1>(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                                              Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                                              Bnhd<bf16_bits>, float*, const CudaLaunch&);
template void flash_shape_forward<8, 1, 8, 1>(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                                              Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                                              Bnhd<bf16_bits>, float*, const CudaLaunch&);
template void flash_shape_forward<4, 2, 8, 1>(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                                              Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                                              Bnhd<bf16_bits>, float*, const CudaLaunch&);
template void flash_shape_forward<2, 2, 8, 1>(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                                              Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                                              Bnhd<bf16_bits>, float*, const CudaLaunch&);
template void flash_shape_forward<8, 2, 8, 1>(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                                              Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                                              Bnhd<bf16_bits>, float*, const CudaLaunch&);

}  // namespace longnet::attention::lab
