#pragma once
// Turns CUDA and cuBLASLt status codes into RuntimeError naming the call that failed. Free of fmt,
// whose headers nvcc's front end rejects, so .cu files can use it.
#include <cublasLt.h>
#include <cuda_runtime.h>

#include <string>

namespace longnet::cuda {

void check(cudaError_t status, const char* what);
void check(cublasStatus_t status, const char* what);

// After a kernel launch: reports a bad launch configuration at once, with the kernel's name.
inline void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

// Throws RuntimeError(message).
[[noreturn]] void raise_error(const std::string& message);

}  // namespace longnet::cuda
