// A build without CUDA: the CUDA attention entry points exist and say so.
#include "attention/cuda/attention_cuda.h"
#include "common/error.h"

namespace longnet::attention {
namespace {

[[noreturn]] void no_cuda() {
  fail<RuntimeError>("CUDA attention: longnet was built without CUDA; reconfigure with "
                     "-DLONGNET_CUDA=ON on a machine with nvcc");
}

}  // namespace

size_t attention_forward_workspace_bytes(const Spec&, const Problem&) { no_cuda(); }
size_t attention_backward_workspace_bytes(const Spec&, const Problem&) { no_cuda(); }

void attention_forward_cuda(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                            Bnhd<const bf16_bits>, Bnhd<const bf16_bits>, Bnhd<bf16_bits>, float*,
                            const CudaLaunch&) {
  no_cuda();
}

void attention_backward_cuda(const Spec&, const Problem&, Bnhd<const bf16_bits>,
                             Bnhd<const bf16_bits>, Bnhd<const bf16_bits>, Bnhd<const bf16_bits>,
                             Bnhd<const bf16_bits>, const float*, Bnhd<bf16_bits>,
                             Bnhd<bf16_bits>, Bnhd<bf16_bits>, bool, const CudaLaunch&) {
  no_cuda();
}

AttentionPassCounts attention_pass_counts() { return {}; }

}  // namespace longnet::attention
