// Batched GEMM through OpenBLAS cblas. Transposed operands go to BLAS as transpose flags.
//
// Threads: one large product uses OpenBLAS's own threads. Many small products (attention per
// head) run one per OpenMP thread instead, with OpenBLAS held to one thread for that region, so
// the two thread pools never oversubscribe the cores.
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
          BlasMatrix la, BlasMatrix lb) {
  cblas_sgemm(CblasRowMajor, la.trans, lb.trans, int(m), int(n), int(k), 1.0f, a, int(la.ld), b,
              int(lb.ld), 0.0f, c, int(n));
}
void gemm(const double* a, const double* b, double* c, int64_t m, int64_t n, int64_t k,
          BlasMatrix la, BlasMatrix lb) {
  cblas_dgemm(CblasRowMajor, la.trans, lb.trans, int(m), int(n), int(k), 1.0, a, int(la.ld), b,
              int(lb.ld), 0.0, c, int(n));
}

// Below this many multiply-adds per product, products are spread over OpenMP threads.
constexpr int64_t kSmallGemm = 128 * 128 * 128;

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
    auto one = [&](int64_t i) {
      gemm(pa + i * a.stride(0), pb + i * b.stride(0), pc + i * m * n, m, n, k, la, lb);
    };
    if (batch > 1 && m * n * k < kSmallGemm) {
      const int blas_threads = openblas_get_num_threads();
      openblas_set_num_threads(1);
      parallel_for(batch, m * n * k / 8, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) one(i);
      });
      openblas_set_num_threads(blas_threads);
    } else {
      for (int64_t i = 0; i < batch; ++i) one(i);
    }
  });
}

}  // namespace longnet::ops::cpu
