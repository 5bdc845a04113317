#pragma once
// Matrix products through cuBLASLt, in row-major terms:
//   C[m, n] = alpha * op(A)[m, k] . op(B)[k, n] + beta * C, then the epilogue,
// where op(X) = X, or X^T when trans_x is set (then X is stored [k, m] or [n, k]). Operands and C
// share one type: bf16 or f32 accumulate in fp32 (no TF32), f64 in fp64 (alpha and beta are
// passed as doubles then). Strides are in elements: ld* is the distance between rows, stride_*
// between batch items.
#include <cstdint>

#include "ops/cuda/device_context.h"
#include "ops/cuda/dtype.h"

namespace longnet::cuda {

enum class Epilogue {
  none,
  bias,            // C[i, j] += bias[j]                            (bias: n values, read)
  bias_gelu_tanh,  // aux = C + bias; C = gelu_tanh(aux)            (bias read; aux [m, n] written)
  dgelu_tanh_bgrad,  // C *= gelu_tanh'(aux); bias[j] = sum_i C[i, j] (aux read; bias written)
  bgrad_a,         // bias[i] = sum_k op(A)[i, k]                   (bias: m values, written)
};
// The GELU epilogues are cuBLASLt's, which use the tanh approximation, not the model's exact
// (erf) GELU: the model applies GELU with its own kernel (elementwise.h) after Epilogue::bias.

struct GemmArgs {
  DType dtype = DType::bf16;
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  const void* a = nullptr;
  int64_t lda = 0;
  const void* b = nullptr;
  int64_t ldb = 0;
  void* c = nullptr;
  int64_t ldc = 0;
  float alpha = 1, beta = 0;
  int64_t batch = 1, stride_a = 0, stride_b = 0, stride_c = 0;
  Epilogue epilogue = Epilogue::none;  // epilogues need batch == 1
  void* bias = nullptr;                // same dtype as C
  void* aux = nullptr;                 // same dtype as C, rows ld_aux apart (a multiple of 8)
  int64_t ld_aux = 0;
};

// Queues the product on the context's stream. The algorithm for each distinct shape, layout,
// epilogue and pointer alignment is chosen once and cached: cuBLASLt's heuristic's first, or with
// autotuning the fastest of its first few.
void gemm(DeviceContext& ctx, const GemmArgs& args);

// Autotuning (off by default): the first call of each shape with beta == 0 runs every candidate
// a few times on the call's own operands (idempotent, as beta is 0), waits for the GPU, and keeps
// the fastest. The pick follows timing, so two processes may pick algorithms whose results differ
// in the last bits; within a process a shape always runs the same algorithm (same bits).
void set_gemm_autotune(DeviceContext& ctx, bool on);

}  // namespace longnet::cuda
