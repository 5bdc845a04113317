#pragma once
// Device memory. A backend plugs its allocator in per device kind; the CPU allocator is built in.
// The CUDA backend registers its caching allocator at start-up; until one is registered, asking
// for CUDA memory throws RuntimeError (in a CPU-only build: "built without CUDA").
#include <cstddef>

#include "tensor/device.h"

namespace longnet {

class Allocator {
 public:
  virtual ~Allocator() = default;
  // Returns `bytes` of memory on `device`, aligned for any element type (64 bytes on the host).
  // Zero bytes may return nullptr. Throws RuntimeError when out of memory.
  virtual void* allocate(Device device, size_t bytes) = 0;
  // Gives back memory from allocate() with the same device and size.
  virtual void deallocate(Device device, void* data, size_t bytes) = 0;
};

// The allocator serving `device`. Throws RuntimeError when no backend serves that kind.
Allocator& allocator_for(Device device);

// Installs the allocator for every device of `kind` (not owned; it must outlive all tensors).
void set_allocator(Device::Kind kind, Allocator* allocator);

}  // namespace longnet
