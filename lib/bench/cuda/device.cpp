#include "bench/cuda/device.h"

#include <cuda_runtime_api.h>

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

int64_t device_bytes_in_use() {
  size_t free = 0, total = 0;
  check(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
  return int64_t(total - free);
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

DeviceBuffer::DeviceBuffer(int64_t bytes, const std::string& what) : bytes_(bytes) {
  const cudaError_t status = cudaMalloc(&data_, size_t(bytes));
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear it, so later calls do not see it
    throw OutOfMemory(fmt::format("{}: cudaMalloc of {:.1f} MiB failed", what, bytes / 1048576.0));
  }
  check(status, "cudaMalloc");
}

DeviceBuffer::~DeviceBuffer() { cudaFree(data_); }

}  // namespace longnet::bench::cuda
