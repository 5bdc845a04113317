#include "attention/cudnn/cudnn_attention.h"
#include "common/error.h"

namespace longnet::attention {

bool cudnn_sdpa_available() { return false; }

bool cudnn_attention_supported(const CudnnSdpaProblem&, bool) { return false; }

int64_t cudnn_cached_plans() { return 0; }

void cudnn_attention_forward(const CudnnSdpaProblem&, const void*, const void*, const void*, void*,
                             float*, void*) {
  throw RuntimeError("cuDNN attention: longnet was built without CUDA (configure with -DLONGNET_CUDA=ON)");
}

void cudnn_attention_backward(const CudnnSdpaProblem&, const void*, const void*, const void*,
                              const void*, const void*, const float*, void*, void*, void*, void*) {
  throw RuntimeError("cuDNN attention: longnet was built without CUDA (configure with -DLONGNET_CUDA=ON)");
}

}  // namespace longnet::attention
