#pragma once
// Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_ computes it. The gradients
// are not rewritten: the coefficient is handed to AdamW::step as its grad_scale.
#include <span>

#include "optim/param_ref.h"

namespace longnet::optim {

struct GradClip {
  double norm;   // L2 norm of all gradients together, before clipping (inf/NaN passes through)
  float scale;   // min(1, max_norm / (norm + 1e-6)); 1 when the norm is not finite
};

// The L2 norm over every gradient (nullptr grads count as zero). Summed in double over fixed
// chunks in a fixed order, so the result is bit-identical for any number of threads.
double global_grad_norm(std::span<const ParamRef> params);

// The clipping of a measured norm (one computed elsewhere, e.g. on a GPU).
GradClip clip_for_norm(double norm, double max_norm);

// max_norm <= 0 disables clipping (scale 1) but still measures the norm.
GradClip clip_grad_norm(std::span<const ParamRef> params, double max_norm);

}  // namespace longnet::optim
