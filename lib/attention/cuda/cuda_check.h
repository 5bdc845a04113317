#pragma once
// Turns a CUDA error code into a RuntimeError naming the step. Takes the code as int so that
// host files need no CUDA header.
namespace longnet::attention::cuda_detail {

[[noreturn]] void throw_cuda_error(int code, const char* what);

inline void check_cuda(int code, const char* what) {
  if (code != 0) throw_cuda_error(code, what);
}

}  // namespace longnet::attention::cuda_detail
