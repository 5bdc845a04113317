#pragma once
// Host side of a per-pass kernel launch: one CTA per tile of rows, grid (tiles, heads, batch).
#include <cuda_runtime.h>

#include <utility>

#include "attention/cuda/cuda_check.h"
#include "attention/cuda/tile_ops.cuh"

namespace longnet::attention::cuda_detail {

// Runs kernel(args..., first_group, tiles_per_group) over the tiles of t with `smem` bytes of
// dynamic shared memory and `Threads` threads per CTA.
template <int Threads = kThreads, class... Params, class... Args>
void launch_pass_kernel(void (*kernel)(Params...), size_t smem, const PassTiling& t,
                        const CallGeometry& g, int64_t batch, void* stream, Args&&... args) {
  if (t.blocks == 0) return;
  check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(smem)),
             "attention kernel shared memory");
  const dim3 grid(static_cast<unsigned>(t.blocks), static_cast<unsigned>(g.heads),
                  static_cast<unsigned>(batch));
  kernel<<<grid, Threads, smem, static_cast<cudaStream_t>(stream)>>>(
      std::forward<Args>(args)..., t.first_group, t.tiles_per_group);
  check_cuda(cudaGetLastError(), "attention kernel launch");
}

}  // namespace longnet::attention::cuda_detail
