// Variant 06: 04's kernel (lib/attention/cuda/flash_forward.cuh) with each warp owning two 16-row
// query tiles, so every K and V fragment loaded by ldmatrix feeds two mma.sync: CTAs of 4 warps,
// 128 queries. Head dim 64 only: at 128 the doubled O accumulators spill (1.6 KB per thread), so
// Dh 128 runs 05's shape here.
#include "attention/cuda/flash_forward.cuh"
#include "variants.h"

namespace longnet::attention::lab {
namespace {

void pass_w4x2(int head_dim, const cuda_detail::Pass& pass, const cuda_detail::CallGeometry& g,
               int64_t batch, cuda_detail::View q, cuda_detail::View k, cuda_detail::View v,
             float* o_acc, float* lse, void* stream) {
  using cuda_detail::launch_flash_forward;
  if (head_dim == 64) return launch_flash_forward<64, 4, 2>(pass, g, batch, q, k, v, o_acc, lse, stream);
  launch_flash_forward<128, 8>(pass, g, batch, q, k, v, o_acc, lse, stream);
}

}  // namespace

void flash_w4x2_forward(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                        Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                      float* lse, const CudaLaunch& launch) {
  cuda_detail::forward_with(pass_w4x2, spec, p, q, k, v, o, lse, launch);
}

}  // namespace longnet::attention::lab
