#include "ops/view.h"

#include <numeric>

#include "autograd/node.h"
#include "ops/backend.h"
#include "ops/checks.h"
#include "ops/create.h"
#include "ops/reduce.h"

namespace longnet::ops {

using autograd::any_requires_grad;
using autograd::record;
using Grads = std::vector<Tensor>;

Tensor contiguous(const Tensor& x) {
  check_defined(x, "contiguous");
  if (x.is_contiguous()) return x;
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend_for(x.device()).copy(x, out);
  if (any_requires_grad({x}))
    record(out, "contiguous", {x}, [](const Tensor& g, const auto&) { return Grads{g}; });
  return out;
}

Tensor reshape(const Tensor& x, Shape shape) {
  check_defined(x, "reshape");
  int64_t known = 1, infer_at = -1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1) {
      if (infer_at >= 0) fail<RuntimeError>("reshape: more than one -1 in {}", shape_string(shape));
      infer_at = int64_t(d);
    } else {
      known *= shape[d];
    }
  }
  if (infer_at >= 0 && known != 0) shape[size_t(infer_at)] = x.numel() / known;
  if (shape_numel(shape) != x.numel())
    fail<RuntimeError>("reshape: cannot view shape {} as {}", shape_string(x.shape()),
                       shape_string(shape));
  if (shape == x.shape()) return x;
  const Tensor base = contiguous(x);
  Tensor out = base.as_strided(shape, contiguous_strides(shape), base.offset());
  if (any_requires_grad({base})) {
    const Shape from = x.shape();
    record(out, "reshape", {base},
           [from](const Tensor& g, const auto&) { return Grads{reshape(g, from)}; });
  }
  return out;
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  check_defined(x, "permute");
  if (int64_t(dims.size()) != x.dim())
    fail<RuntimeError>("permute: {} dims given for shape {}", dims.size(), shape_string(x.shape()));
  Shape shape, strides;
  std::vector<int64_t> inverse(dims.size(), -1);
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = x.wrap_dim(dims[i]);
    if (inverse[size_t(d)] >= 0) fail<RuntimeError>("permute: dim {} repeated", d);
    inverse[size_t(d)] = int64_t(i);
    shape.push_back(x.size(d));
    strides.push_back(x.stride(d));
  }
  Tensor out = x.as_strided(shape, strides, x.offset());
  if (any_requires_grad({x}))
    record(out, "permute", {x},
           [inverse](const Tensor& g, const auto&) { return Grads{permute(g, inverse)}; });
  return out;
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  check_defined(x, "transpose");
  std::vector<int64_t> dims(size_t(x.dim()));
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[size_t(x.wrap_dim(dim0))], dims[size_t(x.wrap_dim(dim1))]);
  return permute(x, dims);
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end) {
  check_defined(x, "slice");
  const int64_t d = x.wrap_dim(dim);
  if (start < 0 || end < start || end > x.size(d))
    fail<RuntimeError>("slice: [{}, {}) is outside dim {} of shape {}", start, end, d,
                       shape_string(x.shape()));
  Shape shape = x.shape();
  shape[size_t(d)] = end - start;
  Tensor out = x.as_strided(shape, x.strides(), x.offset() + start * x.stride(d));
  if (any_requires_grad({x})) {
    const Shape full_shape = x.shape();
    record(out, "slice", {x}, [full_shape, d, start, end](const Tensor& g, const auto&) {
      Tensor gx = zeros(full_shape, g.dtype(), g.device());
      backend_for(g.device()).copy(g, slice(gx, d, start, end));
      return Grads{gx};
    });
  }
  return out;
}

Tensor expand(const Tensor& x, const Shape& shape) {
  check_defined(x, "expand");
  const int64_t lead = int64_t(shape.size()) - x.dim();
  if (lead < 0)
    fail<RuntimeError>("expand: cannot expand shape {} to fewer dims {}", shape_string(x.shape()),
                       shape_string(shape));
  if (shape == x.shape()) return x;
  Shape strides(shape.size(), 0);
  for (int64_t d = 0; d < x.dim(); ++d) {
    const int64_t to = shape[size_t(d + lead)];
    if (x.size(d) == to)
      strides[size_t(d + lead)] = x.stride(d);
    else if (x.size(d) != 1)
      fail<RuntimeError>("expand: cannot expand shape {} to {}", shape_string(x.shape()),
                         shape_string(shape));
  }
  Tensor out = x.as_strided(shape, strides, x.offset());
  if (any_requires_grad({x})) {
    const Shape from = x.shape();
    record(out, "expand", {x},
           [from](const Tensor& g, const auto&) { return Grads{sum_to(g, from)}; });
  }
  return out;
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  check_defined(x, "unsqueeze");
  const int64_t d = dim < 0 ? dim + x.dim() + 1 : dim;
  if (d < 0 || d > x.dim()) fail<RuntimeError>("unsqueeze: dim {} out of range", dim);
  Shape shape = x.shape(), strides = x.strides();
  const int64_t stride = d < x.dim() ? x.stride(d) * x.size(d) : 1;
  shape.insert(shape.begin() + d, 1);
  strides.insert(strides.begin() + d, stride);
  Tensor out = x.as_strided(shape, strides, x.offset());
  if (any_requires_grad({x}))
    record(out, "unsqueeze", {x},
           [d](const Tensor& g, const auto&) { return Grads{squeeze(g, d)}; });
  return out;
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  check_defined(x, "squeeze");
  const int64_t d = x.wrap_dim(dim);
  if (x.size(d) != 1)
    fail<RuntimeError>("squeeze: dim {} of shape {} is not 1", d, shape_string(x.shape()));
  Shape shape = x.shape(), strides = x.strides();
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  Tensor out = x.as_strided(shape, strides, x.offset());
  if (any_requires_grad({x}))
    record(out, "squeeze", {x},
           [d](const Tensor& g, const auto&) { return Grads{unsqueeze(g, d)}; });
  return out;
}

Tensor concat(const std::vector<Tensor>& parts, int64_t dim) {
  if (parts.empty()) fail<RuntimeError>("concat: no tensors");
  const Tensor& first = parts.front();
  check_defined(first, "concat");
  const int64_t d = first.wrap_dim(dim);
  Shape expected = first.shape(), shape = first.shape();
  expected[size_t(d)] = shape[size_t(d)] = 0;
  std::vector<int64_t> sizes;
  for (const Tensor& p : parts) {
    check_same_kind(first, p, "concat");
    Shape other = p.shape();
    if (p.dim() == first.dim()) other[size_t(d)] = 0;
    if (other != expected)
      fail<RuntimeError>("concat: shape {} does not match {} outside dim {}",
                         shape_string(p.shape()), shape_string(first.shape()), d);
    sizes.push_back(p.size(d));
    shape[size_t(d)] += p.size(d);
  }
  Tensor out = Tensor::empty(shape, first.dtype(), first.device());
  int64_t at = 0;
  for (const Tensor& p : parts) {
    const Tensor dst = out.as_strided(p.shape(), out.strides(), at * out.stride(d));
    backend_for(out.device()).copy(p, dst);
    at += p.size(d);
  }
  if (any_requires_grad(parts))
    record(out, "concat", parts,
           [sizes, d](const Tensor& g, const auto&) { return split(g, sizes, d); });
  return out;
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  check_defined(x, "split");
  const int64_t d = x.wrap_dim(dim);
  if (std::accumulate(sizes.begin(), sizes.end(), int64_t(0)) != x.size(d))
    fail<RuntimeError>("split: sizes do not add up to dim {} of shape {}", d,
                       shape_string(x.shape()));
  std::vector<Tensor> parts;
  int64_t at = 0;
  for (int64_t s : sizes) {
    parts.push_back(slice(x, d, at, at + s));
    at += s;
  }
  return parts;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (x != y && x != 1 && y != 1)
      fail<RuntimeError>("{}: shapes {} and {} do not broadcast", op, shape_string(a),
                         shape_string(b));
    out[i] = x == 1 ? y : x;
  }
  return out;
}

}  // namespace longnet::ops
