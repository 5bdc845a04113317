#pragma once
// One context per GPU, made on first use and kept for the process: its one stream (all work of
// the building blocks is queued there, in order), its caching allocator, its pinned host pool, and
// the cuBLASLt handle, workspace and plan cache. Includers need no CUDA headers.
#include <cstddef>
#include <memory>

#include "ops/cuda/block_cache.h"
#include "ops/cuda/host_staging.h"

struct CUstream_st;
struct cublasLtContext;

namespace longnet::cuda {

using Stream = CUstream_st*;
class GemmPlans;

class DeviceContext {
 public:
  // The context of GPU `device` (the current one by default). Throws RuntimeError when the
  // device does not exist or the build has no CUDA.
  static DeviceContext& get(int device);
  static DeviceContext& current();

  int device() const { return device_; }
  Stream stream() const { return stream_; }
  BlockCache& memory() { return *memory_; }
  BlockCache& pinned() { return *pinned_; }

  // Copies queued on the stream; the *_host copies return once the bytes have arrived.
  // copy_to_device stages pageable sources through pinned memory (HostStaging), so it neither
  // waits for the stream nor keeps `src` in use after it returns.
  void copy_to_device(void* dst, const void* src, size_t bytes);
  void copy_to_host(void* dst, const void* src, size_t bytes);
  void copy_on_device(void* dst, const void* src, size_t bytes);
  void fill_bytes(void* dst, int byte, size_t bytes);
  void synchronize();

  cublasLtContext* blas() const { return blas_; }
  void* blas_workspace() const { return workspace_; }
  size_t blas_workspace_bytes() const { return workspace_bytes_; }
  GemmPlans& gemm_plans() { return *plans_; }

  ~DeviceContext();
  DeviceContext(const DeviceContext&) = delete;
  DeviceContext& operator=(const DeviceContext&) = delete;

 private:
  explicit DeviceContext(int device);

  int device_;
  Stream stream_ = nullptr;
  cublasLtContext* blas_ = nullptr;
  void* workspace_ = nullptr;
  size_t workspace_bytes_ = 0;
  std::unique_ptr<BlockCache> memory_, pinned_;
  std::unique_ptr<HostStaging> staging_;
  std::unique_ptr<GemmPlans> plans_;
};

}  // namespace longnet::cuda
