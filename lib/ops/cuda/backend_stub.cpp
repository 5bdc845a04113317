// A build without CUDA: every entry point of the CUDA backend throws.
#include "common/error.h"
#include "ops/cuda/adamw.h"
#include "ops/cuda/argmax.h"
#include "ops/cuda/cross_entropy.h"
#include "ops/cuda/elementwise.h"
#include "ops/cuda/embedding.h"
#include "ops/cuda/gemm.h"
#include "ops/cuda/grad_norm.h"
#include "ops/cuda/layernorm.h"
#include "ops/cuda/reduce.h"
#include "ops/cuda/rotary.h"

namespace longnet::cuda {

class GemmPlans {};

namespace {

[[noreturn]] void no_cuda(const char* what) {
  fail<RuntimeError>("{}: this longnet was built without CUDA (configure with -DLONGNET_CUDA=ON on a "
                     "machine with the CUDA toolkit)", what);
}

}  // namespace

DeviceContext& DeviceContext::get(int) { no_cuda("the GPU backend"); }
DeviceContext& DeviceContext::current() { no_cuda("the GPU backend"); }
DeviceContext::~DeviceContext() = default;
HostStaging::~HostStaging() = default;  // never constructed: no context exists without CUDA
void DeviceContext::copy_to_device(void*, const void*, size_t) { no_cuda("copy_to_device"); }
void DeviceContext::copy_to_host(void*, const void*, size_t) { no_cuda("copy_to_host"); }
void DeviceContext::copy_on_device(void*, const void*, size_t) { no_cuda("copy_on_device"); }
void DeviceContext::fill_bytes(void*, int, size_t) { no_cuda("fill_bytes"); }
void DeviceContext::synchronize() { no_cuda("synchronize"); }

void gemm(DeviceContext&, const GemmArgs&) { no_cuda("gemm"); }
void set_gemm_autotune(DeviceContext&, bool) { no_cuda("set_gemm_autotune"); }
void unary(DeviceContext&, UnaryOp, double, const Extent&, const InView&, const OutView&) { no_cuda("unary"); }
void binary(DeviceContext&, BinaryOp, const Extent&, const InView&, const InView&, const OutView&, double) {
  no_cuda("binary");
}
void convert(DeviceContext&, int64_t, const void*, DType, void*, DType) { no_cuda("convert"); }
void reduce(DeviceContext&, ReduceOp, const Extent&, const InView&, int, const OutView&) { no_cuda("reduce"); }
void max_with_argmax(DeviceContext&, int64_t, int64_t, int64_t, const void*, DType, void*, DType, int64_t*) {
  no_cuda("max_with_argmax");
}
void max_backward(DeviceContext&, int64_t, int64_t, int64_t, const int64_t*, const void*, DType, void*) {
  no_cuda("max_backward");
}
void layernorm_forward(DeviceContext&, const LayerNormShape&, ConstRows, const void*, const void*, Rows, float*,
                       float*) {
  no_cuda("layernorm_forward");
}
void add_layernorm_forward(DeviceContext&, const LayerNormShape&, ConstRows, ConstRows, Rows, const void*,
                           const void*, Rows, float*, float*) {
  no_cuda("add_layernorm_forward");
}
void layernorm_backward(DeviceContext&, const LayerNormShape&, ConstRows, ConstRows, const float*, const float*,
                        const void*, Rows, ConstRows, void*, void*) {
  no_cuda("layernorm_backward");
}
void cross_entropy(DeviceContext&, const CrossEntropyShape&, ConstRows, const int32_t*, float*, Rows, float, float*) {
  no_cuda("cross_entropy");
}
void cross_entropy_backward(DeviceContext&, const CrossEntropyShape&, ConstRows, const int32_t*, const float*,
                            const float*, Rows) {
  no_cuda("cross_entropy_backward");
}
void embedding_forward(DeviceContext&, int64_t, int64_t, DType, const int32_t*, ConstRows, Rows) {
  no_cuda("embedding_forward");
}
void embedding_backward(DeviceContext&, int64_t, int64_t, int64_t, const int32_t*, DType, ConstRows, DType, Rows) {
  no_cuda("embedding_backward");
}
void adamw_step(DeviceContext&, const AdamWHyper&, int64_t, DType, const void*, float*, float*, float*, DType, void*) {
  no_cuda("adamw_step");
}
void global_norm(DeviceContext&, const std::vector<TensorRef>&, float*) { no_cuda("global_norm"); }
void rotary_forward(DeviceContext&, const RotaryShape&, const void*, RotaryStrides, void*, RotaryStrides) {
  no_cuda("rotary_forward");
}
void rotary_backward(DeviceContext&, const RotaryShape&, const void*, RotaryStrides, void*, RotaryStrides) {
  no_cuda("rotary_backward");
}

}  // namespace longnet::cuda
