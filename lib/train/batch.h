#pragma once
// Token windows -> the model's integer inputs and shifted targets.
#include <cstdint>
#include <span>

#include "tensor/tensor.h"

namespace longnet::train {

struct Batch {
  Tensor inputs;   // [B, N] i64
  Tensor targets;  // [B, N] i64, inputs shifted by one
};

// `windows` holds B consecutive windows of N + 1 tokens each.
Batch make_batch(std::span<const uint32_t> windows, int64_t batch);

}  // namespace longnet::train
