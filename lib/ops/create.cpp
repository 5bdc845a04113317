#include "ops/create.h"

#include "autograd/node.h"
#include "ops/backend.h"
#include "ops/view.h"

namespace longnet::ops {

Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = Tensor::empty(shape, dtype, device);
  backend_for(device).fill(t, value);
  return t;
}
Tensor zeros(const Shape& shape, DType dtype, Device device) {
  return full(shape, 0.0, dtype, device);
}
Tensor ones(const Shape& shape, DType dtype, Device device) {
  return full(shape, 1.0, dtype, device);
}
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype(), t.device()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype(), t.device()); }

static Tensor random(const Shape& shape, Distribution dist, double a, double b, uint64_t seed,
                     uint64_t stream, DType dtype, Device device) {
  Tensor t = Tensor::empty(shape, dtype, device);
  backend_for(device).fill_random(t, dist, a, b, seed, stream);
  return t;
}

Tensor uniform(const Shape& shape, double low, double high, uint64_t seed, uint64_t stream,
               DType dtype, Device device) {
  return random(shape, Distribution::uniform, low, high, seed, stream, dtype, device);
}

Tensor normal(const Shape& shape, double mean, double stddev, uint64_t seed, uint64_t stream,
              DType dtype, Device device) {
  return random(shape, Distribution::normal, mean, stddev, seed, stream, dtype, device);
}

Tensor to_device(const Tensor& t, Device device) {
  if (t.device() == device) return t;
  const Tensor src = contiguous(t);
  Tensor out = Tensor::empty(t.shape(), t.dtype(), device);
  if (device.is_cpu())
    backend_for(t.device()).copy_to_host(src, out);
  else
    backend_for(device).copy_from_host(src, out);
  if (autograd::any_requires_grad({t})) {
    const Device from = t.device();
    autograd::record(out, "to_device", {t}, [from](const Tensor& g, const auto&) {
      return std::vector<Tensor>{to_device(g, from)};
    });
  }
  return out;
}

Tensor cast(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = Tensor::empty(t.shape(), dtype, t.device());
  backend_for(t.device()).copy(t, out);
  if (is_floating(dtype) && autograd::any_requires_grad({t})) {
    const DType from = t.dtype();
    autograd::record(out, "cast", {t}, [from](const Tensor& g, const auto&) {
      return std::vector<Tensor>{cast(g, from)};
    });
  }
  return out;
}

}  // namespace longnet::ops
