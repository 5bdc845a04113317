#include "ops/cuda/device_context.h"

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <mutex>
#include <vector>

#include "common/error.h"
#include "ops/cuda/cuda_check.h"
#include "ops/cuda/gemm_plans.h"

namespace longnet::cuda {

namespace {

// cuBLASLt's guidance for Hopper is a 32 MiB workspace.
constexpr size_t kBlasWorkspaceBytes = size_t(32) << 20;

BlockCache::Backend device_backend(int device) {
  return {
      fmt::format("GPU {}", device),
      [device](size_t bytes) -> void* {
        void* p = nullptr;
        cudaSetDevice(device);
        if (cudaMalloc(&p, bytes) != cudaSuccess) {
          cudaGetLastError();  // clear the error so later calls do not see it
          return nullptr;
        }
        return p;
      },
      [](void* p) { cudaFree(p); },
      [device] {
        size_t free_bytes = 0, total = 0;
        cudaSetDevice(device);
        if (cudaMemGetInfo(&free_bytes, &total) != cudaSuccess) return std::string();
        return fmt::format(" (the GPU has {:.2f} GiB free of {:.2f} GiB)",
                           free_bytes / double(1 << 30), total / double(1 << 30));
      },
  };
}

BlockCache::Backend pinned_backend() {
  return {
      "pinned host memory",
      [](size_t bytes) -> void* {
        void* p = nullptr;
        if (cudaHostAlloc(&p, bytes, cudaHostAllocDefault) != cudaSuccess) {
          cudaGetLastError();
          return nullptr;
        }
        return p;
      },
      [](void* p) { cudaFreeHost(p); },
      nullptr,
  };
}

}  // namespace

DeviceContext& DeviceContext::get(int device) {
  static std::mutex mutex;
  static std::vector<std::unique_ptr<DeviceContext>> contexts;
  std::lock_guard lock(mutex);
  int count = 0;
  check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (device < 0 || device >= count)
    fail<RuntimeError>("GPU {} does not exist: this machine shows {} GPU(s)", device, count);
  if (contexts.size() < size_t(count)) contexts.resize(count);
  if (!contexts[device]) contexts[device].reset(new DeviceContext(device));
  return *contexts[device];
}

DeviceContext& DeviceContext::current() {
  int device = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  return get(device);
}

DeviceContext::DeviceContext(int device) : device_(device) {
  check(cudaSetDevice(device), "cudaSetDevice");
  check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  check(cublasLtCreate(&blas_), "cublasLtCreate");
  check(cudaMalloc(&workspace_, kBlasWorkspaceBytes), "cudaMalloc (cuBLASLt workspace)");
  workspace_bytes_ = kBlasWorkspaceBytes;
  memory_ = std::make_unique<BlockCache>(device_backend(device));
  pinned_ = std::make_unique<BlockCache>(pinned_backend());
  staging_ = std::make_unique<HostStaging>(*pinned_);
  plans_ = std::make_unique<GemmPlans>();
}

DeviceContext::~DeviceContext() {
  // Contexts live until exit, when the driver may already be shutting down: release quietly.
  cudaSetDevice(device_);
  cudaStreamSynchronize(stream_);
  plans_.reset();
  memory_.reset();
  staging_.reset();
  pinned_.reset();
  cudaFree(workspace_);
  cublasLtDestroy(blas_);
  cudaStreamDestroy(stream_);
}

void DeviceContext::copy_to_device(void* dst, const void* src, size_t bytes) {
  staging_->upload(dst, src, bytes, stream_);
}

void DeviceContext::copy_to_host(void* dst, const void* src, size_t bytes) {
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_), "copy_to_host");
  synchronize();
}

void DeviceContext::copy_on_device(void* dst, const void* src, size_t bytes) {
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_), "copy_on_device");
}

void DeviceContext::fill_bytes(void* dst, int byte, size_t bytes) {
  check(cudaMemsetAsync(dst, byte, bytes, stream_), "fill_bytes");
}

void DeviceContext::synchronize() { check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize"); }

}  // namespace longnet::cuda
