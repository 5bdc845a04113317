// A build without CUDA: every GPU entry point says so.
#include "bench/cuda/device.h"
#include "common/error.h"

namespace longnet::bench::cuda {

namespace {

[[noreturn]] void no_cuda() { fail<RuntimeError>("GPU benchmarking: longnet was built without CUDA"); }

}  // namespace

double event_ms(const Work&, CUstream_st*) { no_cuda(); }
std::string device_name() { no_cuda(); }
void synchronize(const char*) { no_cuda(); }
DeviceBuffer::DeviceBuffer(MemoryMeter& meter, int64_t bytes, const std::string&)
    : meter_(meter), bytes_(bytes) {
  no_cuda();
}
DeviceBuffer::~DeviceBuffer() = default;
void fill_uniform_bf16(void*, int64_t, uint32_t) { no_cuda(); }

}  // namespace longnet::bench::cuda
