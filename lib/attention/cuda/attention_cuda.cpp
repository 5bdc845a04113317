// The host API: checks a call, lays out its workspace and runs the passes in order on the
// stream. Forward keeps one fp32 running O (O(N)); backward keeps fp32 dQ, dK, dV (O(N)).
#include "attention/cuda/attention_cuda.h"

#include <cuda_runtime.h>

#include <atomic>
#include <utility>
#include <vector>

#include "attention/cuda/cuda_check.h"
#include "attention/cuda/cudnn_pass.h"
#include "attention/cudnn/cudnn_attention.h"
#include "attention/cuda/launchers.h"
#include "common/error.h"
#include "common/int_math.h"

namespace longnet::attention {
namespace cuda_detail {

void throw_cuda_error(int code, const char* what) {
  fail<RuntimeError>("attention_cuda: {}: {}", what,
                     cudaGetErrorString(static_cast<cudaError_t>(code)));
}

}  // namespace cuda_detail

namespace {

using namespace cuda_detail;

// Workspace pieces start 256-byte aligned, as cudaMalloc returns them.
constexpr size_t kAlign = 256;

size_t rows_bytes(const Problem& p, int64_t rows) {
  return round_up(static_cast<size_t>(p.batch * rows * p.heads * p.head_dim) * sizeof(float),
                  kAlign);
}

// D = rowsum(dO * O), one fp32 value per query row and head.
size_t dsum_bytes(const Problem& p) {
  return round_up(static_cast<size_t>(p.batch * p.heads * p.q_len) * sizeof(float), kAlign);
}

template <class T>
void check_view(const char* name, Bnhd<T> v) {
  if (reinterpret_cast<uintptr_t>(v.data) % 16 != 0 || v.stride_b % 8 != 0 || v.stride_n % 8 != 0 ||
      v.stride_h % 8 != 0) {
    fail<UsageError>("attention_cuda: {} must be 16-byte aligned with strides that are multiples "
                     "of 8 elements (got strides {}, {}, {})",
                     name, v.stride_b, v.stride_n, v.stride_h);
  }
}

// The kernels' own limits, beyond validate(): head dims, head count, grid size.
void check_problem(const Spec& spec, const Problem& p) {
  validate(spec, p);
  if (!cuda_head_dim_supported(p.head_dim)) {
    fail<UsageError>("attention_cuda: head_dim {} is not supported; use 64 or 128", p.head_dim);
  }
  if (p.heads > kMaxHeads || p.batch > 65535) {
    fail<UsageError>("attention_cuda: {} heads and batch {} exceed the kernels' limits of {} "
                     "heads and batch 65535",
                     p.heads, p.batch, kMaxHeads);
  }
}

unsigned char* take(const CudaLaunch& launch, size_t& used, size_t bytes) {
  unsigned char* p = static_cast<unsigned char*>(launch.workspace) + used;
  used += bytes;
  return p;
}

void check_workspace(const CudaLaunch& launch, size_t needed) {
  if (launch.workspace_bytes < needed || (needed > 0 && launch.workspace == nullptr)) {
    fail<UsageError>("attention_cuda: workspace of {} bytes given, {} needed",
                     launch.workspace_bytes, needed);
  }
  if (reinterpret_cast<uintptr_t>(launch.workspace) % 256 != 0) {
    fail<UsageError>("attention_cuda: the workspace must be 256-byte aligned (cudaMalloc is)");
  }
}

std::atomic<int64_t> cudnn_pass_count{0}, kernel_pass_count{0};

// A call's first pass, when it covers every row, may write the frame's fp32 buffers instead of
// merging into a zero fill (cuDNN passes only: our kernels always merge).
Into first_into(bool started, const Pass& pass, const Problem& p) {
  return !started && covers_every_row(pass, p.heads) ? Into::overwrite : Into::merge;
}

// cuDNN's fused SDPA is 2x (forward) to 14x (backward) faster than our dense kernel on the H200
// (experiments/results/gpu_2026-11-28/), so a dense call goes to it whole when it computes it
// exactly: no XPOS decay, both windows the whole sequence from 0, and a cuDNN that accepts SDPA
// here. Other calls reach cuDNN pass by pass (cudnn_pass.h). LONGNET_ATTENTION_NO_CUDNN=1 keeps
// our own kernels (to benchmark them).
bool cudnn_computes(const Spec& spec, const Problem& p) {
  return spec.kind == Kind::dense && spec.xpos_scale_base == 0 && p.q_start == 0 &&
         p.kv_start == 0 && p.q_len == p.seq_len && p.kv_len == p.seq_len && p.seq_len > 0 &&
         cudnn_wanted();
}

BnhdStrides strides_of(View v) { return {v.stride_b, v.stride_n, v.stride_h}; }

// Called after the views are checked, so the strides are multiples of 8 as cuDNN needs.
CudnnSdpaProblem cudnn_problem(const Spec& spec, const Problem& p, View q, View k, View v,
                               View o) {
  CudnnSdpaProblem c{.batch = p.batch, .heads = p.heads, .seq_q = p.q_len, .seq_kv = p.kv_len,
                     .head_dim = p.head_dim, .causal = spec.causal};
  c.q = strides_of(q);
  c.k = strides_of(k);
  c.v = strides_of(v);
  c.o = strides_of(o);
  return c;
}

bool o_is_q(Bnhd<const uint16_t> o, View q) {
  return static_cast<const void*>(o.data) == static_cast<const void*>(q.data);
}

bool same_layout(View a, View b) {
  return a.stride_b == b.stride_b && a.stride_n == b.stride_n && a.stride_h == b.stride_h;
}

void check_forward(const Spec& spec, const Problem& p, View q, View k, View v, View o,
                   const CudaLaunch& launch) {
  check_problem(spec, p);
  for (auto [name, view] : {std::pair{"q", q}, {"k", k}, {"v", v}, {"o", o}}) {
    check_view(name, view);
  }
  check_workspace(launch, attention_forward_workspace_bytes(spec, p));
}

void check_backward(const Spec& spec, const Problem& p, View q, View k, View v, View o,
                    View d_o, Bnhd<uint16_t> dq, Bnhd<uint16_t> dk, Bnhd<uint16_t> dv,
                    const CudaLaunch& launch) {
  check_problem(spec, p);
  for (auto [name, view] : {std::pair{"q", q}, {"k", k}, {"v", v}, {"o", o}, {"d_o", d_o}}) {
    check_view(name, view);
  }
  for (auto [name, view] : {std::pair{"dq", dq}, {"dk", dk}, {"dv", dv}}) check_view(name, view);
  check_workspace(launch, attention_backward_workspace_bytes(spec, p));
}

}  // namespace

void cuda_detail::forward_with(ForwardPassFn pass_fn, const Spec& spec, const Problem& p, View q,
                               View k, View v, Bnhd<uint16_t> o, float* lse,
                               const CudaLaunch& launch, CudnnPasses cudnn) {
  check_forward(spec, p, q, k, v, o, launch);
  if (p.q_len == 0) return;
  size_t used = 0;
  auto* o_acc = reinterpret_cast<float*>(take(launch, used, rows_bytes(p, p.q_len)));
  // The running (O, lse) start at (0, -inf): filled before the first pass that merges, or
  // written whole by a first cuDNN pass that covers every row (Into::overwrite, same bits).
  bool started = false;
  const auto start = [&] {
    if (std::exchange(started, true)) return;
    check_cuda(cudaMemsetAsync(o_acc, 0, rows_bytes(p, p.q_len),
                               static_cast<cudaStream_t>(launch.stream)),
               "forward workspace");
    fill_minus_inf(lse, p.batch * p.heads * p.q_len, launch.stream);
  };
  if (p.kv_len > 0) {
    const CallGeometry g = call_geometry(spec, p);
    unsigned char* scratch = take(launch, used, 0);  // the rest: the cuDNN passes' scratch
    const CudnnPassFrame frame{p, g, q, k, v, scratch, launch.stream};
    const std::vector<Pass> passes = plan_passes(spec, p);
    // A call whose only pass covers every row needs no fp32 O: cuDNN writes the final bf16 O
    // (not over Q: a call would read rows it has written). Else, or where cuDNN refuses that O
    // layout, the pass goes through the fp32 O.
    const bool one_pass = passes.size() == 1 && !o_is_q(o, q);
    for (const Pass& pass : passes) {
      const Into into = first_into(started, pass, p);
      if (into == Into::merge) start();
      if (cudnn != CudnnPasses::none && cudnn_may_take(p, pass, g)) {
        if (one_pass && into == Into::overwrite &&
            cudnn_forward_pass(frame, pass, {into, o_acc, lse, o})) {
          ++cudnn_pass_count;
          return;  // O and lse are final
        }
        if (cudnn_forward_pass(frame, pass, {into, o_acc, lse, {}})) {
          ++cudnn_pass_count;
          started = true;
          continue;
        }
      }
      start();
      pass_fn(static_cast<int>(p.head_dim), pass, g, p.batch, q, k, v, o_acc, lse, launch.stream);
      ++kernel_pass_count;
    }
  }
  start();  // O = 0 where no pass ran at all
  store_bf16(o_acc, o, p.batch, p.q_len, p.heads, p.head_dim, launch.stream);
}

// The backward's fp32 pieces: D, then the dQ, dK, dV accumulators.
size_t backward_accumulator_bytes(const Problem& p) {
  return dsum_bytes(p) + rows_bytes(p, p.q_len) + 2 * rows_bytes(p, p.kv_len);
}

size_t attention_forward_workspace_bytes(const Spec& spec, const Problem& problem) {
  return rows_bytes(problem, problem.q_len) + cudnn_pass_scratch_bytes(spec, problem);
}

size_t attention_backward_workspace_bytes(const Spec& spec, const Problem& p) {
  return backward_accumulator_bytes(p) + cudnn_pass_scratch_bytes(spec, p);
}

AttentionPassCounts attention_pass_counts() { return {cudnn_pass_count, kernel_pass_count}; }

void attention_forward_cuda(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                            Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v, Bnhd<bf16_bits> o,
                            float* lse, const CudaLaunch& launch) {
  if (p.q_len > 0 && !o_is_q(o, q) && cudnn_computes(spec, p)) {
    check_forward(spec, p, q, k, v, o, launch);
    cudnn_attention_forward(cudnn_problem(spec, p, q, k, v, o), q.data, k.data, v.data, o.data,
                            lse, launch.stream);
    ++cudnn_pass_count;
    return;
  }
  forward_with(forward_pass, spec, p, q, k, v, o, lse, launch, CudnnPasses::any_engine);
}

void cuda_detail::backward_with(BackwardPassFn pass_fn, const Spec& spec, const Problem& p,
                                View q, View k, View v, View o, View d_o, const float* lse,
                                Bnhd<uint16_t> dq, Bnhd<uint16_t> dk, Bnhd<uint16_t> dv,
                                const CudaLaunch& launch, CudnnPasses cudnn) {
  check_backward(spec, p, q, k, v, o, d_o, dq, dk, dv, launch);
  const size_t accumulators = backward_accumulator_bytes(p);
  const auto stream = static_cast<cudaStream_t>(launch.stream);
  // Zeroed before the first pass that adds, or written whole by a first cuDNN pass that covers
  // every row (Into::overwrite, same bits). D needs no fill: row_dot writes all of it.
  bool started = false;
  const auto start = [&] {
    if (!std::exchange(started, true) && accumulators > 0) {
      check_cuda(cudaMemsetAsync(launch.workspace, 0, accumulators, stream), "backward workspace");
    }
  };
  size_t used = 0;
  auto* dsum = reinterpret_cast<float*>(take(launch, used, dsum_bytes(p)));
  auto* dq_acc = reinterpret_cast<float*>(take(launch, used, rows_bytes(p, p.q_len)));
  auto* dk_acc = reinterpret_cast<float*>(take(launch, used, rows_bytes(p, p.kv_len)));
  auto* dv_acc = reinterpret_cast<float*>(take(launch, used, rows_bytes(p, p.kv_len)));
  if (p.q_len > 0 && p.kv_len > 0) {
    bool dsum_ready = false;  // D is for our kernel's passes only: cuDNN computes its own
    const CallGeometry g = call_geometry(spec, p);
    unsigned char* scratch = take(launch, used, 0);  // the rest: the cuDNN passes' scratch
    const CudnnPassFrame frame{p, g, q, k, v, scratch, launch.stream};
    for (const Pass& pass : plan_passes(spec, p)) {
      const Into into = first_into(started, pass, p);
      if (into == Into::merge) start();
      if (cudnn != CudnnPasses::none && cudnn_may_take(p, pass, g) &&
          cudnn_backward_pass(frame, pass, into, o, d_o, lse, dq_acc, dk_acc, dv_acc,
                              cudnn == CudnnPasses::deterministic_engine)) {
        started = true;
        ++cudnn_pass_count;
        continue;
      }
      start();
      if (!std::exchange(dsum_ready, true)) {
        row_dot(d_o, o, dsum, p.batch, p.q_len, p.heads, p.head_dim, launch.stream);
      }
      pass_fn(static_cast<int>(p.head_dim), pass, g, p.batch, q, k, v, d_o, lse, dsum, dq_acc,
              dk_acc, dv_acc, launch.stream);
      ++kernel_pass_count;
    }
  }
  start();  // zero gradients where no pass ran at all
  store_bf16(dq_acc, dq, p.batch, p.q_len, p.heads, p.head_dim, launch.stream);
  store_bf16(dk_acc, dk, p.batch, p.kv_len, p.heads, p.head_dim, launch.stream);
  store_bf16(dv_acc, dv, p.batch, p.kv_len, p.heads, p.head_dim, launch.stream);
}

void attention_backward_cuda(const Spec& spec, const Problem& p, Bnhd<const bf16_bits> q,
                             Bnhd<const bf16_bits> k, Bnhd<const bf16_bits> v,
                             Bnhd<const bf16_bits> o, Bnhd<const bf16_bits> d_o, const float* lse,
                             Bnhd<bf16_bits> dq, Bnhd<bf16_bits> dk, Bnhd<bf16_bits> dv,
                             bool deterministic, const CudaLaunch& launch) {
  // Ours is deterministic; cuDNN's backward is not promised to be, so only a call that allows
  // any order goes there. cuDNN lays the gradients out like their inputs.
  if (!deterministic && same_layout(dq, q) && same_layout(dk, k) && same_layout(dv, v) &&
      same_layout(d_o, o) && cudnn_computes(spec, p)) {
    check_backward(spec, p, q, k, v, o, d_o, dq, dk, dv, launch);
    cudnn_attention_backward(cudnn_problem(spec, p, q, k, v, o), q.data, k.data, v.data, o.data,
                             d_o.data, lse, dq.data, dk.data, dv.data, launch.stream);
    ++cudnn_pass_count;
    return;
  }
  backward_with(backward_pass, spec, p, q, k, v, o, d_o, lse, dq, dk, dv, launch,
                deterministic ? CudnnPasses::deterministic_engine : CudnnPasses::any_engine);
}

}  // namespace longnet::attention
