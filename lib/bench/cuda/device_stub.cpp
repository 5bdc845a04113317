// A build without CUDA: every GPU entry point says so.
#include "bench/cuda/device.h"
#include "common/error.h"

namespace longnet::bench::cuda {

namespace {

[[noreturn]] void no_cuda() { fail<RuntimeError>("GPU benchmarking: longnet was built without CUDA"); }

}  // namespace

double event_ms(const Work&, CUstream_st*) { no_cuda(); }
int64_t device_bytes_in_use() { no_cuda(); }
std::string device_name() { no_cuda(); }
void synchronize(const char*) { no_cuda(); }
DeviceBuffer::DeviceBuffer(int64_t bytes, const std::string&) : bytes_(bytes) { no_cuda(); }
DeviceBuffer::~DeviceBuffer() = default;

}  // namespace longnet::bench::cuda
