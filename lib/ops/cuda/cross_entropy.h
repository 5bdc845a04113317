#pragma once
// Softmax cross-entropy over a vocabulary, forward and backward in one kernel, without storing
// probabilities: per row, one pass over the logits keeps a running max and sum of exponentials
// (online softmax), the second writes the gradient.
#include <cstdint>

#include "ops/cuda/device_context.h"
#include "ops/cuda/views.h"

namespace longnet::cuda {

struct CrossEntropyShape {
  int64_t rows = 0, vocab = 0;
  DType dtype = DType::bf16;  // of logits and dlogits
  int32_t ignore_index = -100;
};

// loss[r] = logsumexp(logits[r]) - logits[r, target[r]] (fp32), 0 where target is ignore_index.
// When dlogits.data is set: dlogits[r, j] = grad_scale * (softmax(logits[r])_j - [j == target]),
// all 0 on ignored rows. dlogits may alias logits (the gradient replaces them).
// Targets must be ignore_index or in [0, vocab). When lse is set it receives each row's
// logsumexp (fp32), ignored rows included.
void cross_entropy(DeviceContext& ctx, const CrossEntropyShape& s, ConstRows logits, const int32_t* targets,
                   float* loss, Rows dlogits, float grad_scale, float* lse = nullptr);

// The backward from the forward's lse, one read and one write of the logits:
// dlogits[r, j] = grad[r] * (exp(logits[r, j] - lse[r]) - [j == target[r]]), all 0 on ignored rows.
// grad holds one fp32 value per row (the incoming gradient of loss[r]). dlogits may alias logits.
void cross_entropy_backward(DeviceContext& ctx, const CrossEntropyShape& s, ConstRows logits,
                            const int32_t* targets, const float* lse, const float* grad, Rows dlogits);

}  // namespace longnet::cuda
