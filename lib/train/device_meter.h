#pragma once
// What the trainer measures of the device it runs on: a wait for queued work (so a step's time
// is taken after a device sync), peak memory, and the peak FLOP/s that MFU divides by.
#include <cstdint>

#include "tensor/device.h"
#include "tensor/dtype.h"

namespace longnet::train {

// Waits until `device` has finished all queued work (no-op on the CPU).
void synchronize(Device device);

// The CPU: the process's peak resident set. A GPU: the caching allocator's peak bytes in use.
int64_t peak_device_memory(Device device);

// Dense peak FLOP/s: the CPU estimate of train/model_flops.h; on a GPU its bf16 dense peak from
// its name (H100/H200 SXM 989.4e12, A100 312e12), NaN when unknown (MFU is shown as n/a).
double peak_flops(Device device);

}  // namespace longnet::train
