#include "train/batch.h"

#include <vector>

namespace longnet::train {

Batch make_batch(std::span<const uint32_t> windows, int64_t batch) {
  const int64_t width = int64_t(windows.size()) / batch, n = width - 1;
  std::vector<int64_t> inputs(size_t(batch * n)), targets(size_t(batch * n));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < n; ++i) {
      inputs[size_t(b * n + i)] = windows[size_t(b * width + i)];
      targets[size_t(b * n + i)] = windows[size_t(b * width + i + 1)];
    }
  return {Tensor::from_vector(inputs, {batch, n}), Tensor::from_vector(targets, {batch, n})};
}

}  // namespace longnet::train
