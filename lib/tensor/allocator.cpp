#include "tensor/allocator.h"

#include <cstdlib>
#include <new>

#include "common/build_info.h"
#include "common/error.h"

namespace longnet {
namespace {

class HostAllocator : public Allocator {
 public:
  void* allocate(Device, size_t bytes) override {
    if (bytes == 0) return nullptr;
    constexpr size_t kAlign = 64;
    void* data = std::aligned_alloc(kAlign, (bytes + kAlign - 1) / kAlign * kAlign);
    if (!data) fail<RuntimeError>("out of host memory allocating {} bytes", bytes);
    return data;
  }
  void deallocate(Device, void* data, size_t) override { std::free(data); }
};

HostAllocator host_allocator;
Allocator* cuda_allocator = nullptr;

}  // namespace

Allocator& allocator_for(Device device) {
  if (device.is_cpu()) return host_allocator;
  if (!cuda_allocator) {
    if (!build_info().cuda_built)
      fail<RuntimeError>("cannot use device {}: longnet was built without CUDA",
                         to_string(device));
    fail<RuntimeError>("cannot use device {}: the CUDA backend has not registered its allocator",
                       to_string(device));
  }
  return *cuda_allocator;
}

void set_allocator(Device::Kind kind, Allocator* allocator) {
  if (kind == Device::Kind::cpu) fail<RuntimeError>("the host allocator cannot be replaced");
  cuda_allocator = allocator;
}

}  // namespace longnet
