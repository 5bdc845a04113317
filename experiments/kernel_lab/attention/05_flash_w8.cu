// Variant 05: the register-resident flash forward of lib/attention/cuda/flash_forward.cuh (cp.async
// double-buffered K/V in swizzled tiles, ldmatrix, P converted in registers, ex2 with the scale
// folded in) with CTAs of 8 warps, 128 queries.
#include "attention/cuda/flash_forward.cuh"
#include "variants.h"

namespace longnet::attention::lab {
namespace {

void pass_w8(int head_dim, const cuda_detail::Pass& pass, const cuda_detail::CallGeometry& g,
             int64_t batch, cuda_detail::View q, cuda_detail::View k, cuda_detail::View v,
             float* o_acc, float* lse, void* stream) {
  using cuda_detail::launch_flash_forward;
  if (head_dim == 64) return launch_flash_forward<64, 8>(pass, g, batch, q, k, v, o_acc, lse, stream);
  launch_flash_forward<128, 8>(pass, g, batch, q, k, v, o_acc, lse, stream);
}

}  // namespace

void flash_w8_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                      Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                      float* lse, const CudaLaunch& launch) {
  cuda_detail::forward_with(pass_w8, spec, p, q, k, v, o, lse, launch);
}

}  // namespace longnet::attention::lab
