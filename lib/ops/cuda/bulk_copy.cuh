#pragma once
// Hopper's bulk copies from global to shared memory (cp.async.bulk), each completing on an
// mbarrier: the copy engine fetches whole rows while the threads compute on earlier ones, and no
// register holds the bytes in flight. Kernels that use these compile their body only for
// __CUDA_ARCH__ >= 900 and are launched where bulk_copy_runs() says the binary can.
#include <cuda_runtime.h>

#include <cstdint>

namespace longnet::cuda::detail {

// Whether `kernel` was compiled for sm_90 or newer and the current device runs it.
inline bool bulk_copy_runs(const void* kernel) {
  cudaFuncAttributes attr{};
  return cudaFuncGetAttributes(&attr, kernel) == cudaSuccess && attr.binaryVersion >= 90;
}

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900

__device__ __forceinline__ uint32_t shared_address(const void* p) {
  return uint32_t(__cvta_generic_to_shared(p));
}

// Called by one thread; a __syncthreads() must follow before any thread waits on the barrier.
__device__ __forceinline__ void barrier_init(uint64_t* bar) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(shared_address(bar)));
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
}

// Called by one thread before the copies of a phase: they bring `bytes` in all.
__device__ __forceinline__ void barrier_expect_bytes(uint64_t* bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(shared_address(bar)), "r"(bytes)
               : "memory");
}

// Called by one thread: `bytes` from global `src` to shared `dst` (both 16-byte aligned, bytes a
// multiple of 16), counted against the barrier's expected bytes (at most 2^20 - 1 per phase). The
// fence orders this thread's earlier shared-memory accesses (and, after a barrier, its block's)
// before the copy's writes.
__device__ __forceinline__ void bulk_copy(void* dst, const void* src, uint32_t bytes, uint64_t* bar) {
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
  asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(
                   shared_address(dst)),
               "l"(src), "r"(bytes), "r"(shared_address(bar))
               : "memory");
}

// Waits until the barrier's phase of this parity has completed (its bytes are in shared memory).
__device__ __forceinline__ void barrier_wait(uint64_t* bar, uint32_t parity) {
  uint32_t done = 0;
  while (!done)
    asm volatile(
        "{ .reg .pred p; mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2; selp.u32 %0, 1, 0, p; }"
        : "=r"(done)
        : "r"(shared_address(bar)), "r"(parity)
        : "memory");
}

#endif

}  // namespace longnet::cuda::detail
