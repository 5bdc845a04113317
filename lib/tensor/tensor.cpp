#include "tensor/tensor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace longnet {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

std::string shape_string(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t s : shape)
    if (s < 0) fail<RuntimeError>("Tensor::empty: negative size in shape {}", shape_string(shape));
  Tensor t;
  t.impl_ = std::make_shared<Impl>();
  t.impl_->storage =
      std::make_shared<Storage>(device, size_t(shape_numel(shape)) * dtype_size(dtype));
  t.impl_->shape = shape;
  t.impl_->strides = contiguous_strides(shape);
  t.impl_->dtype = dtype;
  return t;
}

Tensor::Impl& Tensor::impl() const {
  if (!impl_) fail<RuntimeError>("use of an undefined tensor");
  return *impl_;
}

int64_t Tensor::wrap_dim(int64_t d) const {
  int64_t n = dim();
  if (d < -n || d >= n)
    fail<RuntimeError>("dim {} is out of range for a tensor of shape {}", d, shape_string(shape()));
  return d < 0 ? d + n : d;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t d = dim() - 1; d >= 0; --d) {
    if (size(d) != 1 && stride(d) != expected) return false;
    expected *= size(d);
  }
  return true;
}

void* Tensor::raw_data() const {
  return static_cast<char*>(storage()->data()) + offset() * int64_t(dtype_size(dtype()));
}

Tensor Tensor::as_strided(const Shape& shape, const Shape& strides, int64_t offset) const {
  if (shape.size() != strides.size())
    fail<RuntimeError>("as_strided: shape {} and strides {} differ in rank", shape_string(shape),
                       shape_string(strides));
  int64_t lo = offset, hi = offset;
  bool empty_view = shape_numel(shape) == 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] < 0) fail<RuntimeError>("as_strided: negative size in {}", shape_string(shape));
    int64_t reach = (shape[d] - 1) * strides[d];
    (reach < 0 ? lo : hi) += reach;
  }
  int64_t capacity = int64_t(storage()->bytes() / dtype_size(dtype()));
  if (!empty_view && (lo < 0 || hi >= capacity))
    fail<RuntimeError>("as_strided: view {} strides {} offset {} exceeds storage of {} elements",
                       shape_string(shape), shape_string(strides), offset, capacity);
  Tensor t;
  t.impl_ = std::make_shared<Impl>();
  t.impl_->storage = storage();
  t.impl_->shape = shape;
  t.impl_->strides = strides;
  t.impl_->offset = offset;
  t.impl_->dtype = dtype();
  return t;
}

Tensor Tensor::detach() const { return as_strided(shape(), strides(), offset()); }

Tensor& Tensor::set_requires_grad(bool on) {
  if (on && !is_floating(dtype()))
    fail<RuntimeError>("requires_grad needs a floating tensor, not {}", dtype_name(dtype()));
  impl().requires_grad = on;
  return *this;
}

void Tensor::set_grad_fn(std::shared_ptr<autograd::Node> node) {
  impl().grad_fn = std::move(node);
  impl().requires_grad = impl().grad_fn != nullptr || impl().requires_grad;
}

}  // namespace longnet
