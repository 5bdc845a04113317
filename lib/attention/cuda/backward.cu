// The library's backward of one pass: the register-resident flash kernels (flash_backward.cuh)
// in the shapes that won the kernel lab (experiments/kernel_lab/attention/notes_backward.md):
// Dh 64 as variant 15 (CTAs of 4 warps x 16 rows, registers capped for three CTAs per SM; the
// dK/dV kernel streams 32 queries per step, the dQ kernel 64 keys), Dh 128 as variant 11 (8 warps
// x 16 rows, one CTA per SM; dK/dV streams 32 queries - two 16 x 128 fp32 accumulators per warp
// leave no registers for 64 - and dQ 64 keys).
#include "attention/cuda/flash_backward.cuh"

namespace longnet::attention::cuda_detail {

void backward_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch, View q,
                   View k, View v, View d_o, const float* lse, const float* dsum, float* dq_acc,
                   float* dk_acc, float* dv_acc, void* stream) {
  const FlashBackwardArgs a{q, k, v, d_o, lse, dsum, dq_acc, dk_acc, dv_acc};
  if (head_dim == 64) {
    return launch_flash_backward<64, BackwardShape{4, 1, 32, 3}, BackwardShape{4, 1, 64, 3}>(
        pass, g, batch, a, stream);
  }
  launch_flash_backward<128, BackwardShape{8, 1, 32}, BackwardShape{8, 1, 64}>(pass, g, batch, a,
                                                                               stream);
}

}  // namespace longnet::attention::cuda_detail
