#pragma once
// The GPU side of benchmarking: device-event timing, device allocations that report running out
// of memory as OutOfMemory, and the device's memory in use. A build without CUDA links
// device_stub.cpp, whose functions throw RuntimeError.
#include <cstdint>
#include <string>

#include "bench/timing.h"

struct CUstream_st;  // cudaStream_t, without the CUDA headers

namespace longnet::bench::cuda {

// Times the GPU work that `work` enqueues on `stream` (the default stream when null) between two
// device events recorded around it; waits for the end event.
double event_ms(const Work& work, CUstream_st* stream = nullptr);

// Bytes of device memory in use now by every process (total minus free, from cudaMemGetInfo).
int64_t device_bytes_in_use();

// Name of the current device, e.g. "NVIDIA H200".
std::string device_name();

// Throws RuntimeError naming `what` if the last CUDA call or launch failed; waits for the device.
void synchronize(const char* what);

// One device allocation for as long as it lives. cudaMalloc's out-of-memory becomes OutOfMemory
// (naming `what`), so a sweep records it as the limit.
class DeviceBuffer {
 public:
  DeviceBuffer(int64_t bytes, const std::string& what);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() const { return data_; }
  int64_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  int64_t bytes_;
};

}  // namespace longnet::bench::cuda
