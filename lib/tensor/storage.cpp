#include "tensor/storage.h"

#include "tensor/allocator.h"

namespace longnet {

Storage::Storage(Device device, size_t bytes)
    : device_(device), bytes_(bytes), data_(allocator_for(device).allocate(device, bytes)) {}

Storage::~Storage() { allocator_for(device_).deallocate(device_, data_, bytes_); }

}  // namespace longnet
