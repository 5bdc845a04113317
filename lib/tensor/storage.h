#pragma once
// A block of device memory shared (through shared_ptr) by every tensor that views it.
#include <cstddef>

#include "tensor/device.h"

namespace longnet {

class Storage {
 public:
  Storage(Device device, size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  Device device_;
  size_t bytes_;
  void* data_;
};

}  // namespace longnet
