#pragma once
// Marks small inline functions that must give the same answer on the host and in CUDA kernels.
// Empty when the file is not compiled by nvcc, so such headers carry no CUDA dependency.
#if defined(__CUDACC__)
#define LONGNET_HOST_DEVICE __host__ __device__
#else
#define LONGNET_HOST_DEVICE
#endif
