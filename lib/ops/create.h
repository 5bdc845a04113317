#pragma once
// Making tensors: constants, host data, Philox-random fills, device moves and dtype casts.
// Random fills draw element i from Philox(seed, stream, i), so they agree across devices.
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace longnet::ops {

Tensor full(const Shape& shape, double value, DType dtype = DType::f32,
            Device device = Device::cpu());
Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
Tensor ones(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);

// Host values placed on `device` (contiguous).
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape,
                   Device device = Device::cpu());

Tensor uniform(const Shape& shape, double low, double high, uint64_t seed, uint64_t stream,
               DType dtype = DType::f32, Device device = Device::cpu());
Tensor normal(const Shape& shape, double mean, double stddev, uint64_t seed, uint64_t stream,
              DType dtype = DType::f32, Device device = Device::cpu());

// A contiguous copy on `device` (the tensor itself when already there). Differentiable.
Tensor to_device(const Tensor& t, Device device);
// A contiguous copy in `dtype` (the tensor itself when already so). Differentiable between
// floating types; integer casts carry no gradient.
Tensor cast(const Tensor& t, DType dtype);

template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, Device device) {
  return to_device(Tensor::from_vector(values, shape), device);
}

}  // namespace longnet::ops
