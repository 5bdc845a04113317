// Batched GEMM through OpenBLAS cblas. Transposed operands go to BLAS as transpose flags.
//
// Threads: OpenMP is the only thread pool. OpenBLAS is held to one thread (CpuBackend's
// constructor), and each product is split here: over the batch when it has a product per
// thread, else over row (or column) blocks of the output. Two pools - OpenMP's and OpenBLAS's -
// would spin against each other between ops (measured: half the time in the copy-task test).
#include <cblas.h>

#include <vector>

#include "ops/cpu/cpu_backend.h"
#include "ops/cpu/loops.h"

namespace longnet::ops::cpu {
namespace {

struct BlasMatrix {
  CBLAS_TRANSPOSE trans;
  int64_t ld;
};

// How a [rows, cols] matrix with strides (sr, sc) reads as a row-major BLAS operand, if it can.
bool blas_layout(int64_t rows, int64_t cols, int64_t sr, int64_t sc, BlasMatrix& m) {
  if (cols == 1) sc = 1;
  if (rows == 1 && sc == 1) sr = cols;
  if (rows == 1 && sc != 1) sr = 1;
  if (sc == 1 && sr >= std::max<int64_t>(cols, 1)) {
    m = {CblasNoTrans, sr};
    return true;
  }
  if (sr == 1 && sc >= std::max<int64_t>(rows, 1)) {
    m = {CblasTrans, sc};
    return true;
  }
  return false;
}

void gemm(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k,
          BlasMatrix la, BlasMatrix lb, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, la.trans, lb.trans, int(m), int(n), int(k), 1.0f, a, int(la.ld), b,
              int(lb.ld), 0.0f, c, int(ldc));
}
void gemm(const double* a, const double* b, double* c, int64_t m, int64_t n, int64_t k,
          BlasMatrix la, BlasMatrix lb, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, la.trans, lb.trans, int(m), int(n), int(k), 1.0, a, int(la.ld), b,
              int(lb.ld), 0.0, c, int(ldc));
}

// A multiply-add in a GEMM costs about a sixteenth of an element-wise op's memory traffic.
constexpr int64_t kFmasPerElement = 16;

int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

}  // namespace

void CpuBackend::matmul(const Tensor& a_in, const Tensor& b_in, const Tensor& out) {
  const int64_t batch = out.size(0), m = out.size(1), n = out.size(2), k = a_in.size(2);
  if (k == 0) return fill(out, 0.0);
  // A layout BLAS cannot read (both strides non-unit) is copied once, contiguously.
  auto readable = [&](const Tensor& t, BlasMatrix& layout) {
    if (blas_layout(t.size(1), t.size(2), t.stride(1), t.stride(2), layout)) return t;
    Tensor c = Tensor::empty(t.shape(), t.dtype());
    copy(t, c);
    blas_layout(t.size(1), t.size(2), c.stride(1), c.stride(2), layout);
    return c;
  };
  BlasMatrix la, lb;
  const Tensor a = readable(a_in, la), b = readable(b_in, lb);
  visit_floating(out.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* pc = out.data<T>();
    if (batch >= max_threads()) {
      parallel_for(batch, m * n * k / kFmasPerElement, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
          gemm(pa + i * a.stride(0), pb + i * b.stride(0), pc + i * m * n, m, n, k, la, lb, n);
      });
      return;
    }
    // Row r of a starts at a + r * stride(1) and column j of b at b + j * stride(2), whatever
    // the transpose flags, so blocks of output rows (or columns) are plain sub-GEMMs.
    for (int64_t i = 0; i < batch; ++i) {
      const T* ai = pa + i * a.stride(0);
      const T* bi = pb + i * b.stride(0);
      T* ci = pc + i * m * n;
      if (m >= n) {
        parallel_for(m, n * k / kFmasPerElement, [&](int64_t r0, int64_t r1) {
          gemm(ai + r0 * a.stride(1), bi, ci + r0 * n, r1 - r0, n, k, la, lb, n);
        });
      } else {
        parallel_for(n, m * k / kFmasPerElement, [&](int64_t c0, int64_t c1) {
          gemm(ai, bi + c0 * b.stride(2), ci + c0, m, c1 - c0, k, la, lb, n);
        });
      }
    }
  });
}

}  // namespace longnet::ops::cpu
