#pragma once
// Uploads from pageable host memory through pinned staging buffers. cudaMemcpyAsync from pageable
// memory may wait for the stream's queued work before it copies, so every batch upload of a
// training step would stall the host until the GPU drained. A copy into a pinned slot, then an
// asynchronous copy from the slot, lets the host run ahead. Slots are reused round-robin; an
// event per slot says when its last upload has left it.
#include <cstddef>

#include "ops/cuda/block_cache.h"

struct CUevent_st;
struct CUstream_st;

namespace longnet::cuda {

class HostStaging {
 public:
  // Uploads larger than this go straight from pageable memory (checkpoint loads: rare, big).
  static constexpr size_t kMaxStagedBytes = size_t(64) << 20;

  explicit HostStaging(BlockCache& pinned);
  ~HostStaging();
  HostStaging(const HostStaging&) = delete;
  HostStaging& operator=(const HostStaging&) = delete;

  // Queues dst <- src (bytes) on `stream`. On return the caller may reuse `src`.
  void upload(void* dst, const void* src, size_t bytes, CUstream_st* stream);

 private:
  struct Slot {
    Block buffer;
    size_t capacity = 0;
    CUevent_st* done = nullptr;  // recorded after the slot's last upload
  };
  static constexpr int kSlots = 2;

  BlockCache& pinned_;
  Slot slots_[kSlots];
  int next_ = 0;
};

}  // namespace longnet::cuda
