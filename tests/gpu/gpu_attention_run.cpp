#include "gpu_attention_run.h"

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "bf16_host.h"

namespace longnet::attention::testing {

void check_cuda_call(int code, const char* what) {
  if (code != cudaSuccess) {
    throw std::runtime_error(std::string(what) + ": " +
                             cudaGetErrorString(static_cast<cudaError_t>(code)));
  }
}

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  check_cuda_call(cudaMalloc(&ptr_, bytes > 0 ? bytes : 1), "cudaMalloc");
}

DeviceBuffer::~DeviceBuffer() { cudaFree(ptr_); }

void DeviceBuffer::upload(const void* host, size_t bytes) {
  check_cuda_call(cudaMemcpy(ptr_, host, bytes, cudaMemcpyHostToDevice), "upload");
}

void DeviceBuffer::download(void* host, size_t bytes) const {
  check_cuda_call(cudaMemcpy(host, ptr_, bytes, cudaMemcpyDeviceToHost), "download");
}

void DeviceBuffer::poison() { check_cuda_call(cudaMemset(ptr_, 0xff, bytes_), "poison"); }

namespace {

// splitmix64: fast, seedable, and good enough for test data.
struct Rng {
  uint64_t state;
  double uniform() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  }
  // Uniform on [-sqrt 3, sqrt 3]: unit variance.
  uint16_t value() { return to_bf16(static_cast<float>((2 * uniform() - 1) * 1.7320508075688772)); }
};

std::vector<float> widen(const std::vector<uint16_t>& bits) {
  std::vector<float> out(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) out[i] = from_bf16(bits[i]);
  return out;
}

}  // namespace

Operand contiguous(const Problem& p, int64_t rows) {
  return {0, rows * p.heads * p.head_dim, p.heads * p.head_dim, p.head_dim};
}

Inputs random_inputs(const Problem& p, uint64_t seed, bool fused) {
  Inputs in;
  const int64_t row = p.heads * p.head_dim;
  if (fused) {
    if (p.q_len != p.kv_len) throw std::invalid_argument("fused QKV needs q_len == kv_len");
    in.q = {0, p.q_len * 3 * row, 3 * row, p.head_dim};
    in.k = {row, in.q.stride_b, in.q.stride_n, p.head_dim};
    in.v = {2 * row, in.q.stride_b, in.q.stride_n, p.head_dim};
    in.qkv.resize(p.batch * p.q_len * 3 * row);
  } else {
    const int64_t q_size = p.batch * p.q_len * row, kv_size = p.batch * p.kv_len * row;
    in.q = contiguous(p, p.q_len);
    in.k = contiguous(p, p.kv_len);
    in.k.offset = q_size;
    in.v = contiguous(p, p.kv_len);
    in.v.offset = q_size + kv_size;
    in.qkv.resize(q_size + 2 * kv_size);
  }
  Rng rng{seed};
  for (auto& x : in.qkv) x = rng.value();
  in.d_o.resize(p.batch * p.q_len * row);
  for (auto& x : in.d_o) x = rng.value();
  in.d_o_at = contiguous(p, p.q_len);
  return in;
}

std::vector<double> to_double(const std::vector<uint16_t>& bits) {
  std::vector<double> out(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) out[i] = from_bf16(bits[i]);
  return out;
}

GpuResult run_gpu(const Spec& spec, const Problem& p, const Inputs& in, bool backward,
                  bool deterministic, ForwardFn forward, BackwardFn backward_fn) {
  const size_t q_elems = p.batch * p.q_len * p.heads * p.head_dim;
  const size_t kv_elems = p.batch * p.kv_len * p.heads * p.head_dim;
  const size_t lse_elems = p.batch * p.heads * p.q_len;
  DeviceBuffer qkv(in.qkv.size() * 2), d_o(in.d_o.size() * 2), o(q_elems * 2),
      lse(lse_elems * 4), dq(q_elems * 2), dk(kv_elems * 2), dv(kv_elems * 2);
  qkv.upload(in.qkv.data(), in.qkv.size() * 2);
  d_o.upload(in.d_o.data(), in.d_o.size() * 2);
  for (DeviceBuffer* b : {&o, &lse, &dq, &dk, &dv}) b->poison();
  const size_t ws_bytes = std::max(attention_forward_workspace_bytes(spec, p),
                                   attention_backward_workspace_bytes(spec, p));
  DeviceBuffer ws(ws_bytes);
  ws.poison();
  const CudaLaunch launch{ws.as<void>(), ws_bytes, nullptr};
  const auto* base = qkv.as<const uint16_t>();
  const Operand out_q = contiguous(p, p.q_len), out_kv = contiguous(p, p.kv_len);
  forward(spec, p, in.q.view(base), in.k.view(base), in.v.view(base),
          out_q.view(o.as<uint16_t>()), lse.as<float>(), launch);
  GpuResult r;
  if (backward) {
    backward_fn(spec, p, in.q.view(base), in.k.view(base), in.v.view(base),
                out_q.view(o.as<const uint16_t>()), in.d_o_at.view(d_o.as<const uint16_t>()),
                lse.as<const float>(), out_q.view(dq.as<uint16_t>()),
                out_kv.view(dk.as<uint16_t>()), out_kv.view(dv.as<uint16_t>()), deterministic,
                launch);
  }
  check_cuda_call(cudaDeviceSynchronize(), "attention kernels");
  r.o = widen(o.download<uint16_t>(q_elems));
  r.lse = lse.download<float>(lse_elems);
  if (backward) {
    r.dq_bits = dq.download<uint16_t>(q_elems);
    r.dk_bits = dk.download<uint16_t>(kv_elems);
    r.dv_bits = dv.download<uint16_t>(kv_elems);
    r.dq = widen(r.dq_bits);
    r.dk = widen(r.dk_bits);
    r.dv = widen(r.dv_bits);
  }
  return r;
}

}  // namespace longnet::attention::testing
