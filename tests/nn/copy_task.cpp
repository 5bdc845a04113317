#include "nn/copy_task.h"

#include <vector>

#include "common/philox.h"

namespace longnet::testing {

CopyBatch copy_batch(int64_t batch, int64_t length, int64_t symbols, uint64_t seed,
                     uint64_t index) {
  const int64_t n = 2 * length;
  std::vector<int64_t> inputs(size_t(batch * n)), targets(size_t(batch * n));
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<int64_t> seq(size_t(n + 1));
    for (int64_t i = 0; i < length; ++i) {
      const float u = philox::uniform_at(seed, index, uint64_t(b * length + i));
      seq[size_t(i)] = seq[size_t(length + 1 + i)] = int64_t(u * float(symbols));
    }
    seq[size_t(length)] = symbols;
    for (int64_t i = 0; i < n; ++i) {
      inputs[size_t(b * n + i)] = seq[size_t(i)];
      targets[size_t(b * n + i)] = i < length ? kIgnore : seq[size_t(i + 1)];
    }
  }
  return {Tensor::from_vector(inputs, {batch, n}), Tensor::from_vector(targets, {batch, n})};
}

}  // namespace longnet::testing
