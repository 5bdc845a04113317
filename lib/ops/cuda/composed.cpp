#include "ops/cuda/composed.h"

#include "ops/cuda/elementwise.h"
#include "ops/cuda/indices.h"
#include "ops/cuda/reduce.h"
#include "ops/cuda/scratch.h"

namespace longnet::cuda {
namespace {

// n values in a row, as extent and strides.
constexpr Extent vector_extent(int64_t n) { return {1, 1, 1, n}; }
constexpr Strides packed() { return {0, 0, 0, 1}; }

// p advanced by `elements` elements of type t.
const void* advance(const void* p, int64_t elements, DType t) {
  return static_cast<const char*>(p) + elements * int64_t(size_of(t));
}
void* advance(void* p, int64_t elements, DType t) { return static_cast<char*>(p) + elements * int64_t(size_of(t)); }

}  // namespace

void logsumexp(DeviceContext& ctx, const Extent& e, const InView& x, const OutView& out, DType math) {
  const int64_t outer = e[1], n = e[2], inner = e[3];
  const Strides dense{0, n * inner, inner, 1}, kept{0, inner, 0, 1};
  Scratch top(ctx, outer * inner, math), shifted(ctx, outer * n * inner, math);
  reduce(ctx, ReduceOp::max, e, x, 2, top.out(kept));
  binary(ctx, BinaryOp::sub, e, x, top.in(kept), shifted.out(dense));
  unary(ctx, UnaryOp::exp, 0, e, shifted.in(dense), shifted.out(dense));
  reduce(ctx, ReduceOp::sum, e, shifted.in(dense), 2, out);
  const InView result{out.data, out.dtype, out.stride};
  const Extent kept_extent{1, outer, 1, inner};
  unary(ctx, UnaryOp::log, 0, kept_extent, result, out);
  binary(ctx, BinaryOp::add, kept_extent, result, top.in(kept), out);
}

void composed_layernorm_forward(DeviceContext& ctx, int64_t rows, int64_t dim, DType t, const void* x,
                                const void* w, const void* b, double eps, void* y, void* mean, void* rstd) {
  if (rows * dim == 0) return;
  const Extent e = matrix_extent(rows, dim), per_row = matrix_extent(rows, 1);
  const InView xs{x, t, row_major(dim)}, ys{y, t, row_major(dim)};
  const OutView y_out{y, t, row_major(dim)};
  const InView mean_in{mean, t, one_per_row()}, rstd_in{rstd, t, one_per_row()};
  const OutView mean_out{mean, t, one_per_row()}, rstd_out{rstd, t, one_per_row()};
  Scratch centered(ctx, rows * dim, t);
  reduce(ctx, ReduceOp::mean, e, xs, 3, mean_out);
  binary(ctx, BinaryOp::sub, e, xs, mean_in, centered.out(row_major(dim)));
  unary(ctx, UnaryOp::square, 0, e, centered.in(row_major(dim)), y_out);  // y holds the squares
  reduce(ctx, ReduceOp::mean, e, ys, 3, rstd_out);                        // the variance
  unary(ctx, UnaryOp::add_scalar, eps, per_row, rstd_in, rstd_out);
  unary(ctx, UnaryOp::sqrt, 0, per_row, rstd_in, rstd_out);
  unary(ctx, UnaryOp::reciprocal, 0, per_row, rstd_in, rstd_out);
  binary(ctx, BinaryOp::mul, e, centered.in(row_major(dim)), rstd_in, y_out);
  binary(ctx, BinaryOp::mul, e, ys, {w, t, one_per_column()}, y_out);
  binary(ctx, BinaryOp::add, e, ys, {b, t, one_per_column()}, y_out);
}

void composed_layernorm_backward(DeviceContext& ctx, int64_t rows, int64_t dim, DType t, const void* x,
                                 const void* w, const void* mean, const void* rstd, const void* dy, void* dx,
                                 void* dw, void* db) {
  if (rows * dim == 0) return;
  const Extent e = matrix_extent(rows, dim);
  const Strides whole = row_major(dim);
  const InView xs{x, t, whole}, dys{dy, t, whole}, rstd_in{rstd, t, one_per_row()};
  Scratch xhat(ctx, rows * dim, t), gw(ctx, rows * dim, t), term(ctx, rows * dim, t);
  Scratch a(ctx, rows, t), c(ctx, rows, t);
  binary(ctx, BinaryOp::sub, e, xs, {mean, t, one_per_row()}, xhat.out(whole));
  binary(ctx, BinaryOp::mul, e, xhat.in(whole), rstd_in, xhat.out(whole));
  binary(ctx, BinaryOp::mul, e, dys, {w, t, one_per_column()}, gw.out(whole));
  reduce(ctx, ReduceOp::mean, e, gw.in(whole), 3, a.out(one_per_row()));
  binary(ctx, BinaryOp::mul, e, gw.in(whole), xhat.in(whole), term.out(whole));
  reduce(ctx, ReduceOp::mean, e, term.in(whole), 3, c.out(one_per_row()));
  binary(ctx, BinaryOp::mul, e, xhat.in(whole), c.in(one_per_row()), term.out(whole));
  binary(ctx, BinaryOp::sub, e, gw.in(whole), a.in(one_per_row()), gw.out(whole));
  binary(ctx, BinaryOp::sub, e, gw.in(whole), term.in(whole), gw.out(whole));
  binary(ctx, BinaryOp::mul, e, rstd_in, gw.in(whole), {dx, t, whole});
  binary(ctx, BinaryOp::mul, e, dys, xhat.in(whole), term.out(whole));
  reduce(ctx, ReduceOp::sum, e, term.in(whole), 2, {dw, t, one_per_column()});
  reduce(ctx, ReduceOp::sum, e, dys, 2, {db, t, one_per_column()});
}

void composed_cross_entropy(DeviceContext& ctx, int64_t rows, int64_t vocab, DType t, const void* logits,
                            const int32_t* targets, int64_t ignore, const void* valid, void* loss, void* lse) {
  if (rows == 0) return;
  logsumexp(ctx, {1, rows, vocab, 1}, {logits, t, {0, vocab, 1, 0}}, {lse, t, {0, 1, 0, 0}}, t);
  Scratch picked(ctx, rows, t);
  gather_rows(ctx, rows, 1, targets, vocab, ignore, logits, picked.data(), t);
  const Extent e = vector_extent(rows);
  const OutView loss_out{loss, t, packed()};
  binary(ctx, BinaryOp::sub, e, {lse, t, packed()}, picked.in(packed()), loss_out);
  binary(ctx, BinaryOp::mul, e, {loss, t, packed()}, {valid, t, packed()}, loss_out);
}

void composed_cross_entropy_backward(DeviceContext& ctx, int64_t rows, int64_t vocab, DType t,
                                     const void* logits, const int32_t* targets, int64_t ignore,
                                     const void* valid, const void* lse, const void* dloss, void* dlogits) {
  if (rows == 0) return;
  Scratch scale(ctx, rows, t);
  binary(ctx, BinaryOp::mul, vector_extent(rows), {dloss, t, packed()}, {valid, t, packed()},
         scale.out(packed()));
  const Extent e = matrix_extent(rows, vocab);
  const InView d_in{dlogits, t, row_major(vocab)};
  const OutView d_out{dlogits, t, row_major(vocab)};
  binary(ctx, BinaryOp::sub, e, {logits, t, row_major(vocab)}, {lse, t, one_per_row()}, d_out);
  unary(ctx, UnaryOp::exp, 0, e, d_in, d_out);
  binary(ctx, BinaryOp::mul, e, d_in, scale.in(one_per_row()), d_out);
  unary(ctx, UnaryOp::neg, 0, vector_extent(rows), scale.in(packed()), scale.out(packed()));
  scatter_add_rows(ctx, rows, 1, targets, vocab, ignore, scale.data(), dlogits, t);
}

void composed_rotary(DeviceContext& ctx, const Extent& shape, DType t, const void* x, const Strides& x_stride,
                     const void* cos_table, const void* sin_table, void* out, const Strides& out_stride) {
  const Extent e{shape[0], shape[1], shape[2], shape[3] / 2};  // one index per pair
  if (e[0] * e[1] * e[2] * e[3] == 0) return;
  // Even and odd elements of each pair as two views, one index per pair.
  const Strides xs{x_stride[0], x_stride[1], x_stride[2], 2 * x_stride[3]};
  const Strides os{out_stride[0], out_stride[1], out_stride[2], 2 * out_stride[3]};
  const Strides table{0, e[3], 0, 1};
  const InView x0{x, t, xs}, x1{advance(x, x_stride[3], t), t, xs};
  const InView c{cos_table, t, table}, s{sin_table, t, table};
  const OutView out0{out, t, os}, out1{advance(out, out_stride[3], t), t, os};
  const InView out0_in{out0.data, t, os}, out1_in{out1.data, t, os};
  Scratch term(ctx, e[0] * e[1] * e[2] * e[3], t);
  const Strides dense = dense_strides(e);
  binary(ctx, BinaryOp::mul, e, x0, c, out0);
  binary(ctx, BinaryOp::mul, e, x1, s, term.out(dense));
  binary(ctx, BinaryOp::sub, e, out0_in, term.in(dense), out0);
  binary(ctx, BinaryOp::mul, e, x1, c, out1);
  binary(ctx, BinaryOp::mul, e, x0, s, term.out(dense));
  binary(ctx, BinaryOp::add, e, out1_in, term.in(dense), out1);
}

}  // namespace longnet::cuda
