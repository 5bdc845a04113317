// The library's forward of one pass: the register-resident flash kernel (flash_forward.cuh) with
// CTAs of 8 warps, 128 queries - kernel lab variant 05, the fastest variant that passed the
// GPU suite (experiments/results/attention_lab_2026-11-28_h200_perf.txt).
#include "attention/cuda/flash_forward.cuh"

namespace longnet::attention::cuda_detail {

void forward_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch, View q,
                  View k, View v, float* o_acc, float* lse, void* stream) {
  if (head_dim == 64) return launch_flash_forward<64, 8>(pass, g, batch, q, k, v, o_acc, lse, stream);
  launch_flash_forward<128, 8>(pass, g, batch, q, k, v, o_acc, lse, stream);
}

}  // namespace longnet::attention::cuda_detail
