#include "ops/cuda/cuda_check.h"

#include "common/error.h"

namespace longnet::cuda {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    fail<RuntimeError>("CUDA error in {}: {} ({})", what, cudaGetErrorString(status), cudaGetErrorName(status));
}

void check(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) fail<RuntimeError>("cuBLASLt error in {}: {}", what, cublasGetStatusString(status));
}

void raise_error(const std::string& message) { throw RuntimeError(message); }

}  // namespace longnet::cuda
