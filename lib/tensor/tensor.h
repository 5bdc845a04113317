#pragma once
// A tensor is a view - shape, strides (in elements) and offset - over refcounted Storage, plus
// its autograd state. Copying a Tensor copies the handle, not the data. Views made here
// (as_strided, detach) record no autograd history: differentiable views and every computing op
// live in lib/ops, which dispatches on device().
#include <cstdint>
#include <memory>
#include <vector>

#include "common/error.h"
#include "tensor/dtype.h"
#include "tensor/device.h"
#include "tensor/storage.h"

namespace longnet {

namespace autograd {
class Node;
}

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& shape);
Shape contiguous_strides(const Shape& shape);
std::string shape_string(const Shape& shape);  // "[2, 3, 4]"

class Tensor {
 public:
  Tensor() = default;  // undefined: no storage; defined() is false

  // Uninitialised contiguous memory on `device`.
  static Tensor empty(const Shape& shape, DType dtype, Device device = Device::cpu());
  // A contiguous CPU tensor holding a copy of `values` (values.size() must equal the numel).
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Shape& strides() const { return impl().strides; }
  int64_t offset() const { return impl().offset; }
  int64_t dim() const { return int64_t(shape().size()); }
  int64_t size(int64_t d) const { return shape()[wrap_dim(d)]; }
  int64_t stride(int64_t d) const { return strides()[wrap_dim(d)]; }
  int64_t numel() const { return shape_numel(shape()); }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage->device(); }
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  bool is_contiguous() const;
  // A negative dim counts from the end; throws RuntimeError when out of range.
  int64_t wrap_dim(int64_t d) const;

  // The address of the first element (storage + offset), on the tensor's device.
  void* raw_data() const;
  // Typed host pointer to the first element; checks the dtype and that the tensor is on the CPU.
  template <class T>
  T* data() const;
  // A CPU tensor's elements in logical (row-major) order, following the strides.
  template <class T>
  std::vector<T> to_vector() const;
  // The single element of a one-element CPU tensor.
  template <class T>
  T item() const;

  // A view sharing this tensor's storage. Bounds are checked against the storage.
  Tensor as_strided(const Shape& shape, const Shape& strides, int64_t offset) const;
  // Same data, no autograd history and requires_grad false.
  Tensor detach() const;
  // True when both handles are the same tensor (not merely equal data).
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // Autograd state. A leaf with requires_grad accumulates into grad() on backward.
  bool requires_grad() const { return impl().requires_grad; }
  Tensor& set_requires_grad(bool on);
  Tensor grad() const { return Tensor(impl().grad); }
  void set_grad(const Tensor& grad) { impl().grad = grad.impl_; }
  const std::shared_ptr<autograd::Node>& grad_fn() const { return impl().grad_fn; }
  void set_grad_fn(std::shared_ptr<autograd::Node> node);
  bool is_leaf() const { return impl().grad_fn == nullptr; }

 private:
  struct Impl {
    std::shared_ptr<Storage> storage;
    Shape shape, strides;
    int64_t offset = 0;
    DType dtype = DType::f32;
    bool requires_grad = false;
    std::shared_ptr<autograd::Node> grad_fn;
    std::shared_ptr<Impl> grad;
  };
  explicit Tensor(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  Impl& impl() const;
  template <class T>
  void check_host_type(const char* what) const;

  std::shared_ptr<Impl> impl_;
};

template <class T>
void Tensor::check_host_type(const char* what) const {
  if (dtype() != dtype_of<T>())
    fail<RuntimeError>("{}: tensor has dtype {}, asked for {}", what, dtype_name(dtype()),
                       dtype_name(dtype_of<T>()));
  if (!device().is_cpu())
    fail<RuntimeError>("{}: tensor is on {}, host access needs cpu", what, to_string(device()));
}

template <class T>
T* Tensor::data() const {
  check_host_type<T>("Tensor::data");
  return static_cast<T*>(raw_data());
}

template <class T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
  if (int64_t(values.size()) != shape_numel(shape))
    fail<RuntimeError>("Tensor::from_vector: {} values for shape {}", values.size(),
                       shape_string(shape));
  Tensor t = empty(shape, dtype_of<T>());
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  check_host_type<T>("Tensor::to_vector");
  std::vector<T> out;
  out.reserve(size_t(numel()));
  const T* base = data<T>();
  Shape index(size_t(dim()), 0);
  for (int64_t n = 0; n < numel(); ++n) {
    int64_t at = 0;
    for (int64_t d = 0; d < dim(); ++d) at += index[d] * stride(d);
    out.push_back(base[at]);
    for (int64_t d = dim() - 1; d >= 0 && ++index[d] == size(d); --d) index[d] = 0;
  }
  return out;
}

template <class T>
T Tensor::item() const {
  if (numel() != 1) fail<RuntimeError>("Tensor::item: tensor has {} elements", numel());
  return to_vector<T>()[0];
}

}  // namespace longnet
