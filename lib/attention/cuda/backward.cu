// The library's backward of one pass: the register-resident flash kernels (flash_backward.cuh)
// in the shape that won the kernel lab (experiments/kernel_lab/attention/notes_backward.md):
// CTAs of 8 warps owning 128 rows; the dK/dV kernel streams query tiles of 64 at Dh 64 and 32 at
// Dh 128 (two accumulators of 16 x 128 fp32 per warp leave no registers for 64), the dQ kernel
// key tiles of 64.
#include "attention/cuda/flash_backward.cuh"

namespace longnet::attention::cuda_detail {

void backward_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch, View q,
                   View k, View v, View d_o, const float* lse, const float* dsum, float* dq_acc,
                   float* dk_acc, float* dv_acc, void* stream) {
  const FlashBackwardArgs a{q, k, v, d_o, lse, dsum, dq_acc, dk_acc, dv_acc};
  if (head_dim == 64) {
    return launch_flash_backward<64, BackwardShape{8, 1, 64}, BackwardShape{8, 1, 64}>(
        pass, g, batch, a, stream);
  }
  launch_flash_backward<128, BackwardShape{8, 1, 32}, BackwardShape{8, 1, 64}>(pass, g, batch, a,
                                                                               stream);
}

}  // namespace longnet::attention::cuda_detail
