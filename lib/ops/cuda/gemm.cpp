#include "ops/cuda/gemm.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "common/error.h"
#include "ops/cuda/cuda_check.h"
#include "ops/cuda/gemm_plans.h"

namespace longnet::cuda {

GemmPlan::~GemmPlan() {
  if (a) cublasLtMatrixLayoutDestroy(a);
  if (b) cublasLtMatrixLayoutDestroy(b);
  if (c) cublasLtMatrixLayoutDestroy(c);
  if (op) cublasLtMatmulDescDestroy(op);
}

namespace {

// cuBLASLt is column-major. A row-major [r, c] matrix is a column-major [c, r] one, so the
// row-major C = op(A) op(B) is computed as the column-major C^T = op(B)^T op(A)^T: cuBLASLt's
// "A" is our B, its "B" is our A, and its m and n are our n and m.
constexpr cublasLtEpilogue_t lt_epilogue(Epilogue e) {
  switch (e) {
    case Epilogue::none: return CUBLASLT_EPILOGUE_DEFAULT;
    case Epilogue::bias: return CUBLASLT_EPILOGUE_BIAS;
    case Epilogue::bias_gelu_tanh: return CUBLASLT_EPILOGUE_GELU_AUX_BIAS;
    case Epilogue::dgelu_tanh_bgrad: return CUBLASLT_EPILOGUE_DGELU_BGRAD;
    case Epilogue::bgrad_a: return CUBLASLT_EPILOGUE_BGRADB;  // our A is cuBLASLt's B
  }
  return CUBLASLT_EPILOGUE_DEFAULT;
}

const char* epilogue_name(Epilogue e) {
  switch (e) {
    case Epilogue::none: return "none";
    case Epilogue::bias: return "bias";
    case Epilogue::bias_gelu_tanh: return "bias_gelu_tanh";
    case Epilogue::dgelu_tanh_bgrad: return "dgelu_tanh_bgrad";
    case Epilogue::bgrad_a: return "bgrad_a";
  }
  return "?";
}

int64_t alignment(const void* p) {
  auto u = reinterpret_cast<uintptr_t>(p);
  int64_t a = 256;
  while (a > 1 && u % a) a /= 2;
  return a;
}

template <class T>
void set(cublasLtMatmulDesc_t d, cublasLtMatmulDescAttributes_t attr, const T& value) {
  check(cublasLtMatmulDescSetAttribute(d, attr, &value, sizeof(value)), "cublasLtMatmulDescSetAttribute");
}

cublasLtMatrixLayout_t layout(cudaDataType_t type, int64_t rows, int64_t cols, int64_t ld,
                              int64_t batch, int64_t stride) {
  cublasLtMatrixLayout_t l;
  check(cublasLtMatrixLayoutCreate(&l, type, rows, cols, ld), "cublasLtMatrixLayoutCreate");
  if (batch > 1) {
    int32_t count = int32_t(batch);
    check(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof(count)),
          "batch count");
    check(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
                                           sizeof(stride)),
          "batch stride");
  }
  return l;
}

void validate(const GemmArgs& g) {
  auto bad = [&](const char* why) {
    fail<RuntimeError>("gemm m={} n={} k={} epilogue {}: {}", g.m, g.n, g.k, epilogue_name(g.epilogue), why);
  };
  if (g.m <= 0 || g.n <= 0 || g.k <= 0 || g.batch <= 0) bad("sizes must be positive");
  if (g.ldc < g.n) bad("ldc < n");
  if (g.lda < (g.trans_a ? g.m : g.k)) bad("lda is smaller than a row of A");
  if (g.ldb < (g.trans_b ? g.k : g.n)) bad("ldb is smaller than a row of B");
  if (g.epilogue != Epilogue::none && g.batch != 1) bad("epilogues need batch == 1");
  if (g.epilogue != Epilogue::none && !g.bias) bad("this epilogue needs a bias pointer");
  bool uses_aux = g.epilogue == Epilogue::bias_gelu_tanh || g.epilogue == Epilogue::dgelu_tanh_bgrad;
  if (uses_aux && (!g.aux || g.ld_aux < g.n || g.ld_aux % 8)) bad("aux needs ld_aux >= n and a multiple of 8");
}

// The scale type is the compute type: fp32, or fp64 for f64 (CUBLAS_COMPUTE_64F).
cublasStatus_t run(DeviceContext& ctx, const GemmArgs& g, const GemmPlan& plan, const cublasLtMatmulAlgo_t& algo) {
  const double alpha64 = g.alpha, beta64 = g.beta;
  const bool f64 = g.dtype == DType::f64;
  return cublasLtMatmul(ctx.blas(), plan.op, f64 ? static_cast<const void*>(&alpha64) : &g.alpha, g.b, plan.a, g.a,
                        plan.b, f64 ? static_cast<const void*>(&beta64) : &g.beta, g.c, plan.c, g.c, plan.c, &algo,
                        ctx.blas_workspace(), ctx.blas_workspace_bytes(), ctx.stream());
}

struct LtTypes {
  cudaDataType_t data, scale;
  cublasComputeType_t compute;
};

// bf16 and f32 accumulate in fp32 (no TF32); f64 in fp64.
LtTypes lt_types(DType t) {
  switch (t) {
    case DType::bf16: return {CUDA_R_16BF, CUDA_R_32F, CUBLAS_COMPUTE_32F};
    case DType::f32: return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F};
    case DType::f64: return {CUDA_R_64F, CUDA_R_64F, CUBLAS_COMPUTE_64F};
  }
  return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F};
}

constexpr int kCandidates = 8;

// The candidate with the least time for kRuns back-to-back runs (as a training step runs them),
// timed kRounds times in turn (round robin, so clock and temperature drift hit all alike) and
// judged by its fastest round; the heuristic's first stays unless another is kMargin faster
// (timings of near-equal algorithms are noise). Candidates that fail to launch are skipped. Runs
// on the call's operands: with beta == 0 every run writes the same result.
cublasLtMatmulAlgo_t fastest(DeviceContext& ctx, const GemmArgs& g, const GemmPlan& plan,
                             const cublasLtMatmulHeuristicResult_t* results, int found) {
  constexpr int kRounds = 3, kRuns = 4;
  constexpr float kMargin = 0.97f;
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  std::vector<float> fastest_ms(found, -1.f);  // -1: fails to launch
  for (int i = 0; i < found; ++i)
    if (run(ctx, g, plan, results[i].algo) == CUBLAS_STATUS_SUCCESS) fastest_ms[i] = 1e30f;
  for (int round = 0; round < kRounds; ++round)
    for (int i = 0; i < found; ++i) {
      if (fastest_ms[i] < 0) continue;
      check(cudaEventRecord(start, ctx.stream()), "cudaEventRecord");
      for (int r = 0; r < kRuns; ++r) check(run(ctx, g, plan, results[i].algo), "cublasLtMatmul (autotune)");
      check(cudaEventRecord(stop, ctx.stream()), "cudaEventRecord");
      check(cudaEventSynchronize(stop), "cudaEventSynchronize");
      float ms = 0;
      check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
      fastest_ms[i] = std::min(fastest_ms[i], ms);
    }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  int best = 0;
  for (int i = 1; i < found; ++i)
    if (fastest_ms[i] >= 0 && fastest_ms[i] < fastest_ms[best] * (best == 0 ? kMargin : 1.f)) best = i;
  return results[best].algo;
}

std::unique_ptr<GemmPlan> make_plan(DeviceContext& ctx, const GemmArgs& g, bool autotune) {
  auto plan = std::make_unique<GemmPlan>();
  const LtTypes types = lt_types(g.dtype);
  const cudaDataType_t type = types.data;
  check(cublasLtMatmulDescCreate(&plan->op, types.compute, types.scale), "cublasLtMatmulDescCreate");
  cublasOperation_t lt_ta = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t lt_tb = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  set(plan->op, CUBLASLT_MATMUL_DESC_TRANSA, lt_ta);
  set(plan->op, CUBLASLT_MATMUL_DESC_TRANSB, lt_tb);
  set(plan->op, CUBLASLT_MATMUL_DESC_EPILOGUE, lt_epilogue(g.epilogue));
  // Stored shapes, column-major: our B [k, n] (or [n, k]) is cuBLASLt's A.
  plan->a = g.trans_b ? layout(type, g.k, g.n, g.ldb, g.batch, g.stride_b)
                      : layout(type, g.n, g.k, g.ldb, g.batch, g.stride_b);
  plan->b = g.trans_a ? layout(type, g.m, g.k, g.lda, g.batch, g.stride_a)
                      : layout(type, g.k, g.m, g.lda, g.batch, g.stride_a);
  plan->c = layout(type, g.n, g.m, g.ldc, g.batch, g.stride_c);

  cublasLtMatmulPreference_t pref;
  check(cublasLtMatmulPreferenceCreate(&pref), "cublasLtMatmulPreferenceCreate");
  auto set_pref = [&](cublasLtMatmulPreferenceAttributes_t attr, uint64_t value) {
    check(cublasLtMatmulPreferenceSetAttribute(pref, attr, &value, sizeof(value)), "preference");
  };
  auto set_pref32 = [&](cublasLtMatmulPreferenceAttributes_t attr, uint32_t value) {
    check(cublasLtMatmulPreferenceSetAttribute(pref, attr, &value, sizeof(value)), "preference");
  };
  set_pref(CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, ctx.blas_workspace_bytes());
  set_pref32(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, uint32_t(alignment(g.b)));
  set_pref32(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, uint32_t(alignment(g.a)));
  set_pref32(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, uint32_t(alignment(g.c)));
  set_pref32(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, uint32_t(alignment(g.c)));
  // The heuristic looks at the epilogue's pointers being set, so set placeholders of the call's.
  if (g.bias) set(plan->op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, g.bias);
  if (g.aux) {
    set(plan->op, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER, g.aux);
    set(plan->op, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD, g.ld_aux);
  }
  cublasLtMatmulHeuristicResult_t results[kCandidates]{};
  int found = 0;
  cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(ctx.blas(), plan->op, plan->a, plan->b, plan->c,
                                                         plan->c, pref, autotune ? kCandidates : 1, results, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  if (status != CUBLAS_STATUS_SUCCESS || found == 0)
    fail<RuntimeError>("cuBLASLt has no algorithm for gemm {} m={} n={} k={} trans_a={} trans_b={} batch={} "
                       "epilogue {} ({})",
                       name(g.dtype), g.m, g.n, g.k, g.trans_a, g.trans_b, g.batch, epilogue_name(g.epilogue),
                       cublasGetStatusString(status));
  plan->algo = results[0].algo;
  if (autotune) plan->algo = fastest(ctx, g, *plan, results, found);
  return plan;
}

}  // namespace

void gemm(DeviceContext& ctx, const GemmArgs& g) {
  validate(g);
  GemmPlans::Key key{int64_t(g.dtype), g.m,        g.n,        g.k,        g.trans_a,  g.trans_b,      g.lda,
                     g.ldb,            g.ldc,      g.batch,    g.stride_a, g.stride_b, g.stride_c,     int64_t(g.epilogue),
                     g.ld_aux,         alignment(g.a), alignment(g.b), alignment(g.c), g.bias != nullptr, g.aux != nullptr,
                     0};
  GemmPlans& plans = ctx.gemm_plans();
  std::lock_guard lock(plans.mutex);
  const bool autotune = plans.autotune && g.beta == 0;
  key.back() = autotune;
  auto& plan = plans.plans[key];
  if (!plan) plan = make_plan(ctx, g, autotune);
  if (g.bias) set(plan->op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, g.bias);
  if (g.aux) set(plan->op, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER, g.aux);
  check(run(ctx, g, *plan, plan->algo), "cublasLtMatmul");
}

void set_gemm_autotune(DeviceContext& ctx, bool on) {
  GemmPlans& plans = ctx.gemm_plans();
  std::lock_guard lock(plans.mutex);
  plans.autotune = on;
}

}  // namespace longnet::cuda
