#include "bench/cuda/device.h"

#include <cuda_runtime_api.h>

#include "bench/cuda/fill.h"
#include "bench/sweep.h"
#include "common/error.h"

namespace longnet::bench::cuda {

namespace {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) fail<RuntimeError>("{}: {}", what, cudaGetErrorString(status));
}

}  // namespace

double event_ms(const Work& work, CUstream_st* stream) {
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  check(cudaEventRecord(start, stream), "cudaEventRecord");
  work();
  check(cudaEventRecord(stop, stream), "cudaEventRecord");
  check(cudaEventSynchronize(stop), "waiting for the timed GPU work");
  float ms = 0;
  check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return ms;
}

std::string device_name() {
  int device = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  return prop.name;
}

void synchronize(const char* what) {
  check(cudaGetLastError(), what);
  check(cudaDeviceSynchronize(), what);
}

DeviceBuffer::DeviceBuffer(MemoryMeter& meter, int64_t bytes, const std::string& what)
    : meter_(meter), bytes_(bytes) {
  meter_.acquire(bytes_, what);
  const cudaError_t status = cudaMalloc(&data_, size_t(bytes));
  if (status == cudaSuccess) return;
  meter_.release(bytes_);
  cudaGetLastError();  // clear the error, so later calls do not see it
  if (status == cudaErrorMemoryAllocation) {
    throw OutOfMemory(fmt::format("{}: cudaMalloc of {:.1f} MiB failed", what, bytes / 1048576.0));
  }
  check(status, "cudaMalloc");
}

DeviceBuffer::~DeviceBuffer() {
  cudaFree(data_);
  meter_.release(bytes_);
}

void fill_uniform_bf16(void* data, int64_t count, uint32_t seed) {
  launch_fill_uniform_bf16(static_cast<uint16_t*>(data), count, seed);
  check(cudaGetLastError(), "filling a benchmark buffer");
}

}  // namespace longnet::bench::cuda
