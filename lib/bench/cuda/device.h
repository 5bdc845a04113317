#pragma once
// The GPU side of benchmarking: device-event timing, counted device allocations that report
// running out of memory as OutOfMemory, random fills. A build without CUDA links
// device_stub.cpp, whose functions throw RuntimeError.
#include <cstdint>
#include <string>

#include "bench/memory_meter.h"
#include "bench/timing.h"

struct CUstream_st;  // cudaStream_t, without the CUDA headers

namespace longnet::bench::cuda {

// Times the GPU work that `work` enqueues on `stream` (the default stream when null) between two
// device events recorded around it; waits for the end event.
double event_ms(const Work& work, CUstream_st* stream = nullptr);

// Name of the current device, e.g. "NVIDIA H200".
std::string device_name();

// Throws RuntimeError naming `what` if the last CUDA call or launch failed; waits for the device.
void synchronize(const char* what);

// One device allocation for as long as it lives, counted by `meter`. Passing the meter's budget
// or cudaMalloc's out-of-memory becomes OutOfMemory (naming `what`): the sweep's limit.
class DeviceBuffer {
 public:
  DeviceBuffer(MemoryMeter& meter, int64_t bytes, const std::string& what);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() const { return data_; }
  int64_t bytes() const { return bytes_; }

 private:
  MemoryMeter& meter_;
  void* data_ = nullptr;
  int64_t bytes_;
};

// Fills `count` bf16 values at `data` with uniform draws from [-1, 1) (a hash of seed and index).
void fill_uniform_bf16(void* data, int64_t count, uint32_t seed);

}  // namespace longnet::bench::cuda
