// cuDNN fused attention, causal bf16: forward and backward TFLOP/s at N = 2K (batched to 32K
// tokens), 8K and 32K, head dims 64 and 128, heads = 2048 / head_dim. FLOPs by
// attention::forward_flops (2*B*H*N^2*Dh causal), backward counted as 2.5x forward. Each figure is
// the median of device-event timings after warm-up.
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cudnn_graph.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <random>
#include <utility>
#include <vector>

#include "attention/cudnn/cudnn_attention.h"
#include "attention/spec.h"
#include "common/error.h"
#include "common/gpu_info.h"

namespace {

using namespace longnet;
using namespace longnet::attention;

void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) fail<RuntimeError>("{}: {}", what, cudaGetErrorString(status));
}

struct DeviceBuffer {
  void* ptr = nullptr;
  explicit DeviceBuffer(size_t bytes) { check_cuda(cudaMalloc(&ptr, bytes), "cudaMalloc"); }
  ~DeviceBuffer() { cudaFree(ptr); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

// Median milliseconds of `fn` on `stream` over `reps` timed runs after `warmup` untimed ones.
double median_ms(const std::function<void()>& fn, cudaStream_t stream, int warmup, int reps) {
  for (int i = 0; i < warmup; ++i) fn();
  cudaEvent_t start, stop;
  check_cuda(cudaEventCreate(&start), "cudaEventCreate");
  check_cuda(cudaEventCreate(&stop), "cudaEventCreate");
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    check_cuda(cudaEventRecord(start, stream), "cudaEventRecord");
    fn();
    check_cuda(cudaEventRecord(stop, stream), "cudaEventRecord");
    check_cuda(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    check_cuda(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    times.push_back(ms);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// Uniform values in [-2, 2): timing does not depend on the distribution, and a 32K problem needs
// 67M values per tensor, so the generator has to be cheap.
void fill_random(void* dst, size_t elements, std::mt19937_64& rng) {
  std::vector<__nv_bfloat16> host(elements);
  for (auto& x : host) x = __float2bfloat16(static_cast<float>(rng() >> 40) * 0x1p-22f - 2.0f);
  check_cuda(cudaMemcpy(dst, host.data(), elements * sizeof(__nv_bfloat16), cudaMemcpyHostToDevice),
             "cudaMemcpy");
}

void bench(int64_t head_dim, int64_t n, int64_t batch, cudaStream_t stream, std::mt19937_64& rng) {
  const int64_t heads = 2048 / head_dim;
  const auto p = CudnnSdpaProblem::contiguous(batch, heads, n, n, head_dim, true);
  const size_t elements = static_cast<size_t>(batch * n * heads * head_dim);
  const size_t bytes = elements * sizeof(__nv_bfloat16);
  DeviceBuffer q(bytes), k(bytes), v(bytes), o(bytes), d_o(bytes), dq(bytes), dk(bytes), dv(bytes);
  DeviceBuffer lse(sizeof(float) * batch * heads * n);
  for (void* t : {q.ptr, k.ptr, v.ptr, d_o.ptr}) fill_random(t, elements, rng);
  auto* lse_ptr = static_cast<float*>(lse.ptr);

  const double fwd_ms = median_ms(
      [&] { cudnn_attention_forward(p, q.ptr, k.ptr, v.ptr, o.ptr, lse_ptr, stream); }, stream, 3, 15);
  const double bwd_ms = median_ms(
      [&] {
        cudnn_attention_backward(p, q.ptr, k.ptr, v.ptr, o.ptr, d_o.ptr, lse_ptr, dq.ptr, dk.ptr,
                                 dv.ptr, stream);
      },
      stream, 3, 15);

  Spec spec;
  spec.kind = Kind::dense;
  spec.causal = true;
  const Problem problem{.batch = batch, .heads = heads, .head_dim = head_dim, .seq_len = n,
                        .q_len = n, .kv_len = n};
  const double flops = forward_flops(spec, problem);
  fmt::print("| {} | {} | {} | {} | {:.3f} | {:.0f} | {:.3f} | {:.0f} |\n", head_dim, n, batch, heads,
             fwd_ms, flops / fwd_ms * 1e-9, bwd_ms, 2.5 * flops / bwd_ms * 1e-9);
  std::fflush(stdout);
}

}  // namespace

int main() {
  try {
    const auto gpus = visible_gpus();
    if (gpus.empty() || !cudnn_sdpa_available()) {
      std::fprintf(stderr, "cudnn_attention_bench: no GPU, or cuDNN does not accept the SDPA graphs here\n");
      return 1;
    }
    fmt::print("cuDNN {} on {}; causal, bf16, heads = 2048 / Dh; median of 15 after 3 warm-up\n\n",
               cudnnGetVersion(), gpus[0].name);
    fmt::print("| Dh | N | batch | heads | fwd ms | fwd TFLOP/s | bwd ms | bwd TFLOP/s |\n");
    fmt::print("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    cudaStream_t stream;
    check_cuda(cudaStreamCreate(&stream), "cudaStreamCreate");
    std::mt19937_64 rng(1);
    for (int64_t head_dim : {64, 128})
      for (auto [n, batch] : {std::pair<int64_t, int64_t>{2048, 16}, {8192, 4}, {32768, 1}})
        bench(head_dim, n, batch, stream, rng);
    return 0;
  } catch (const std::exception& e) {
    return report(e);
  }
}
