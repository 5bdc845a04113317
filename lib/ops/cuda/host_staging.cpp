#include "ops/cuda/host_staging.h"

#include <cuda_runtime.h>

#include <cstring>

#include "ops/cuda/cuda_check.h"

namespace longnet::cuda {

HostStaging::HostStaging(BlockCache& pinned) : pinned_(pinned) {
  for (Slot& slot : slots_)
    check(cudaEventCreateWithFlags(&slot.done, cudaEventDisableTiming), "cudaEventCreate");
}

HostStaging::~HostStaging() {
  for (Slot& slot : slots_) {
    cudaEventSynchronize(slot.done);  // the pinned block goes back to the pool only when idle
    slot.buffer.reset();
    cudaEventDestroy(slot.done);
  }
}

void HostStaging::upload(void* dst, const void* src, size_t bytes, CUstream_st* stream) {
  if (bytes > kMaxStagedBytes) {
    check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream), "copy_to_device");
    return;
  }
  Slot& slot = slots_[next_];
  next_ = (next_ + 1) % kSlots;
  check(cudaEventSynchronize(slot.done), "cudaEventSynchronize (host staging)");
  if (slot.capacity < bytes) {
    slot.buffer = Block(pinned_, bytes);
    slot.capacity = bytes;
  }
  std::memcpy(slot.buffer.get(), src, bytes);
  check(cudaMemcpyAsync(dst, slot.buffer.get(), bytes, cudaMemcpyHostToDevice, stream),
        "copy_to_device");
  check(cudaEventRecord(slot.done, stream), "cudaEventRecord (host staging)");
}

}  // namespace longnet::cuda
