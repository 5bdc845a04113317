// The library's forward of one pass: the register-resident flash kernel (flash_forward.cuh) in
// the fastest shape per head dim that passed the GPU suite (kernel lab, experiments/results/
// attention_perf_notes_2026-11-28.md): Dh 64 as variant 08 (8 warps of two 16-row tiles, 256
// queries: the fastest on the dilated layer's core), Dh 128 as variant 05 (8 warps of 16 rows;
// two tiles per warp would spill).
#include "attention/cuda/flash_forward.cuh"

namespace longnet::attention::cuda_detail {

void forward_pass(int head_dim, const Pass& pass, const CallGeometry& g, int64_t batch, View q,
                  View k, View v, float* o_acc, float* lse, void* stream) {
  if (head_dim == 64) {
    return launch_flash_forward<64, 8, 2>(pass, g, batch, q, k, v, o_acc, lse, stream);
  }
  launch_flash_forward<128, 8>(pass, g, batch, q, k, v, o_acc, lse, stream);
}

}  // namespace longnet::attention::cuda_detail
