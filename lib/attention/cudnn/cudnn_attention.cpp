#include "attention/cudnn/cudnn_attention.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "attention/cudnn/sdpa_graphs.h"
#include "common/error.h"
#include "common/int_math.h"

namespace longnet::attention {

namespace {

using cudnn_backend::check;
using cudnn_backend::Plan;
using namespace cudnn_sdpa;

void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    fail<RuntimeError>("cuDNN attention: {} failed: {}", what, cudaGetErrorString(status));
}

struct CachedPlan {
  Plan plan;
  int32_t* seq_lens = nullptr;  // [seq_q x batch, seq_kv x batch] for the padding-mask workaround
};

// What one GPU keeps between calls. Calls are serialised on its workspace: a call on another
// stream first waits for the previous call's event.
struct Device {
  cudnnHandle_t handle = nullptr;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
  cudaEvent_t last_call = nullptr;
  // A slot a failed build left empty marks a problem cuDNN would not plan.
  std::map<std::vector<int64_t>, std::unique_ptr<CachedPlan>> plans;
};

std::mutex mutex;

// Created on first use and never freed: releasing at exit would race the CUDA runtime's teardown.
Device& device_state() {
  static auto* devices = new std::map<int, Device>;
  int index = 0;
  check_cuda(cudaGetDevice(&index), "cudaGetDevice");
  Device& d = (*devices)[index];
  if (!d.handle) {
    check(cudnnCreate(&d.handle), "cudnnCreate");
    check_cuda(cudaEventCreateWithFlags(&d.last_call, cudaEventDisableTiming), "cudaEventCreate");
  }
  return d;
}

void validate(const CudnnSdpaProblem& p) {
  if (p.batch < 1 || p.heads < 1 || p.seq_q < 1 || p.seq_kv < 1)
    fail<RuntimeError>("cuDNN attention: empty problem (batch {}, heads {}, seq_q {}, seq_kv {})",
                       p.batch, p.heads, p.seq_q, p.seq_kv);
  if (p.head_dim < 8 || p.head_dim % 8 != 0)
    fail<RuntimeError>("cuDNN attention: head_dim {} is not a positive multiple of 8", p.head_dim);
}

void require_aligned(std::initializer_list<const void*> pointers) {
  for (const void* ptr : pointers)
    if (reinterpret_cast<uintptr_t>(ptr) % 16 != 0)
      fail<RuntimeError>("cuDNN attention: pointer {} is not 16-byte aligned", ptr);
}

std::vector<int64_t> key_of(bool backward, const CudnnSdpaProblem& p) {
  std::vector<int64_t> key{backward, p.batch, p.heads, p.seq_q, p.seq_kv, p.head_dim, p.causal,
                           backward && p.deterministic};
  const auto add = [&](const BnhdStrides& s) {
    key.insert(key.end(), {s.batch, s.position, s.head});
  };
  for (const BnhdStrides* s : {&p.q, &p.k, &p.v, &p.o}) add(*s);
  if (backward) {
    for (const BnhdStrides* s : {&p.dq, &p.dk, &p.dv, &p.d_o}) add(*s);
  }
  return key;
}

CachedPlan& cached_plan(Device& d, bool backward, const CudnnSdpaProblem& p) {
  auto& slot = d.plans[key_of(backward, p)];
  if (slot) return *slot;
  auto entry = std::make_unique<CachedPlan>(
      CachedPlan{backward ? backward_plan(d.handle, p) : forward_plan(d.handle, p)});
  if (backward && backward_needs_padding_mask(p)) {
    std::vector<int32_t> lens(2 * p.batch, static_cast<int32_t>(p.seq_q));
    std::fill(lens.begin() + p.batch, lens.end(), static_cast<int32_t>(p.seq_kv));
    check_cuda(cudaMalloc(&entry->seq_lens, lens.size() * sizeof(int32_t)), "cudaMalloc");
    check_cuda(cudaMemcpy(entry->seq_lens, lens.data(), lens.size() * sizeof(int32_t),
                          cudaMemcpyHostToDevice),
               "cudaMemcpy");
  }
  slot = std::move(entry);
  return *slot;
}

// The device's workspace, grown to at least `bytes` (cudaFree waits for work still using it).
char* workspace(Device& d, size_t bytes) {
  if (bytes > d.workspace_bytes) {
    check_cuda(cudaFree(d.workspace), "cudaFree");
    d.workspace = nullptr;
    d.workspace_bytes = 0;
    check_cuda(cudaMalloc(&d.workspace, bytes), "cudaMalloc (cuDNN attention workspace)");
    d.workspace_bytes = bytes;
  }
  return static_cast<char*>(d.workspace);
}

// Runs a plan on `stream` after the device's previous call, wherever that ran.
void run(Device& d, const Plan& plan, const std::vector<int64_t>& uids,
         const std::vector<void*>& pointers, void* work, cudaStream_t stream) {
  check_cuda(cudaStreamWaitEvent(stream, d.last_call, 0), "cudaStreamWaitEvent");
  check(cudnnSetStream(d.handle, stream), "cudnnSetStream");
  plan.execute(d.handle, uids, pointers, work);
  check_cuda(cudaEventRecord(d.last_call, stream), "cudaEventRecord");
}

}  // namespace

bool cudnn_sdpa_available() {
  static const bool available = [] {
    try {
      int count = 0;
      if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        cudaGetLastError();
        return false;
      }
      const auto p = CudnnSdpaProblem::contiguous(1, 1, 128, 128, 64, true);
      std::lock_guard lock(mutex);
      Device& d = device_state();
      cached_plan(d, false, p);
      cached_plan(d, true, p);
      return true;
    } catch (const RuntimeError&) {
      return false;
    }
  }();
  return available;
}

bool cudnn_attention_supported(const CudnnSdpaProblem& p, bool backward) {
  validate(p);
  std::lock_guard lock(mutex);
  Device& d = device_state();
  const auto tried = d.plans.find(key_of(backward, p));
  if (tried != d.plans.end() && !tried->second) return false;
  try {
    cached_plan(d, backward, p);
    return true;
  } catch (const RuntimeError&) {
    return false;
  }
}

int64_t cudnn_cached_plans() {
  std::lock_guard lock(mutex);
  const Device& d = device_state();
  const auto built = [](const auto& entry) { return entry.second != nullptr; };
  return static_cast<int64_t>(std::count_if(d.plans.begin(), d.plans.end(), built));
}

void cudnn_attention_forward(const CudnnSdpaProblem& p, const void* q, const void* k,
                             const void* v, void* o, float* lse, void* stream) {
  validate(p);
  require_aligned({q, k, v, o, lse});
  float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(p.head_dim)));
  float masked = masked_score();
  std::vector<int64_t> uids{uid_q, uid_k, uid_v, uid_o, uid_stats, uid_scale};
  std::vector<void*> pointers{const_cast<void*>(q), const_cast<void*>(k), const_cast<void*>(v), o,
                              lse, &scale};
  if (p.causal) {
    uids.push_back(uid_masked);
    pointers.push_back(&masked);
  }
  std::lock_guard lock(mutex);
  Device& d = device_state();
  const CachedPlan& entry = cached_plan(d, false, p);
  char* work = workspace(d, round_up(entry.plan.workspace_bytes(), 256));
  run(d, entry.plan, uids, pointers, work, static_cast<cudaStream_t>(stream));
}

void cudnn_attention_backward(const CudnnSdpaProblem& p, const void* q, const void* k,
                              const void* v, const void* o, const void* d_o, const float* lse,
                              void* dq, void* dk, void* dv, void* stream) {
  validate(p);
  require_aligned({q, k, v, o, d_o, lse, dq, dk, dv});
  float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(p.head_dim)));
  float masked = masked_score();
  float one = 1.0f;
  std::lock_guard lock(mutex);
  Device& d = device_state();
  const CachedPlan& entry = cached_plan(d, true, p);

  // Workspace: the plan's own, then rowsum(dO * O), then the fp32 dQ accumulator.
  const size_t plan_bytes = round_up(entry.plan.workspace_bytes(), 256);
  const size_t sum_bytes = round_up(sizeof(float) * p.batch * p.heads * p.seq_q, 256);
  const size_t accum_bytes = sizeof(float) * p.batch * p.heads * p.seq_q * p.head_dim;
  char* work = workspace(d, plan_bytes + sum_bytes + accum_bytes);
  char* softmax_sum = work + plan_bytes;
  char* dq_accum = softmax_sum + sum_bytes;
  const auto s = static_cast<cudaStream_t>(stream);
  if (cudnnGetVersion() < 90600)  // later versions clear the accumulator themselves
    check_cuda(cudaMemsetAsync(dq_accum, 0, accum_bytes, s), "cudaMemsetAsync");

  std::vector<int64_t> uids{uid_q,  uid_k,  uid_v,  uid_o,     uid_d_o,         uid_stats,
                            uid_dq, uid_dk, uid_dv, uid_scale, uid_one,         uid_softmax_sum,
                            uid_dq_accum};
  std::vector<void*> pointers{const_cast<void*>(q),   const_cast<void*>(k),   const_cast<void*>(v),
                              const_cast<void*>(o),   const_cast<void*>(d_o), const_cast<float*>(lse),
                              dq, dk, dv, &scale, &one, softmax_sum, dq_accum};
  if (entry.seq_lens) {
    uids.insert(uids.end(), {uid_seq_len_q, uid_seq_len_kv});
    pointers.insert(pointers.end(), {entry.seq_lens, entry.seq_lens + p.batch});
  }
  if (entry.seq_lens || p.causal) {
    uids.push_back(uid_masked);
    pointers.push_back(&masked);
  }
  run(d, entry.plan, uids, pointers, work, s);
}

}  // namespace longnet::attention
