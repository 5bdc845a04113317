#pragma once
// The synthetic copy task: [x_1..x_L, SEP, x_1..x_L] with x_i uniform over `symbols` tokens.
// Inputs are the first 2L tokens, targets the next token at each position; only the copied half
// is scored (the first L positions get the ignore index, as nothing predicts random tokens).
#include <cstdint>

#include "tensor/tensor.h"

namespace longnet::testing {

inline constexpr int64_t kIgnore = -100;

struct CopyBatch {
  Tensor inputs;   // [batch, 2L] i64
  Tensor targets;  // [batch, 2L] i64
};

// Batch number `index` under `seed` (Philox, so it is the same everywhere). The separator is
// token `symbols`, so the vocabulary needs symbols + 1 entries.
CopyBatch copy_batch(int64_t batch, int64_t length, int64_t symbols, uint64_t seed,
                     uint64_t index);

}  // namespace longnet::testing
