#pragma once
// Runs the CUDA attention on host data for the GPU tests and the kernel lab: random bf16 inputs
// (Q, K, V in one buffer, optionally as slices of a fused QKV row), outputs POISONED with NaN
// bit patterns before each call so an element the kernels never write shows up, results back
// as float.
#include <cstdint>
#include <vector>

#include "attention/cuda/attention_cuda.h"

namespace longnet::attention::testing {

// Where an operand lives in its buffer: offset and [batch, position, head] strides.
struct Operand {
  int64_t offset, stride_b, stride_n, stride_h;
  template <class T>
  Bnhd<T> view(T* base) const {
    return {base + offset, stride_b, stride_n, stride_h};
  }
};

struct Inputs {
  std::vector<uint16_t> qkv;  // Q (q_len rows), K and V (kv_len rows), bf16
  Operand q, k, v;
  std::vector<uint16_t> d_o;  // [batch, q_len, heads, dim], contiguous
  Operand d_o_at;
};

// Unit-variance values rounded to bf16. fused puts Q, K, V into one [batch, n, 3, heads, dim]
// buffer (needs q and kv windows of equal length).
Inputs random_inputs(const Problem& p, uint64_t seed, bool fused = false);

// Contiguous [batch, rows, heads, dim] strides.
Operand contiguous(const Problem& p, int64_t rows);

// Device memory for the duration of a run; contents are undefined until written.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  size_t bytes() const { return bytes_; }
  void upload(const void* host, size_t bytes);
  void download(void* host, size_t bytes) const;
  void poison();  // every byte 0xff: NaN as bf16 and as fp32
  template <class T>
  std::vector<T> download(size_t n) const {
    std::vector<T> host(n);
    download(host.data(), n * sizeof(T));
    return host;
  }

 private:
  void* ptr_ = nullptr;
  size_t bytes_;
};

// Throws std::runtime_error naming `what` when a CUDA call failed.
void check_cuda_call(int code, const char* what);

// A forward with the signature of attention_forward_cuda (the library's or a lab variant).
using ForwardFn = void (*)(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                           Bnhd<const bf16_bits>, Bnhd<const bf16_bits>, Bnhd<bf16_bits>, float*,
                           const CudaLaunch&);

// A backward with the signature of attention_backward_cuda.
using BackwardFn = void (*)(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                            Bnhd<const bf16_bits>, Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                            Bnhd<const bf16_bits>, const float*, Bnhd<bf16_bits>, Bnhd<bf16_bits>,
                            Bnhd<bf16_bits>, bool, const CudaLaunch&);

struct GpuResult {
  std::vector<float> o, lse;      // [batch, q_len, heads, dim], [batch, heads, q_len]
  std::vector<float> dq, dk, dv;  // empty unless backward ran
  std::vector<uint16_t> dq_bits, dk_bits, dv_bits;
};

GpuResult run_gpu(const Spec& spec, const Problem& p, const Inputs& in, bool backward,
                  bool deterministic = false, ForwardFn forward = attention_forward_cuda,
                  BackwardFn backward_fn = attention_backward_cuda);

// A bf16 buffer as doubles (the reference's input type), same layout.
std::vector<double> to_double(const std::vector<uint16_t>& bits);

}  // namespace longnet::attention::testing
