#include "train/model_flops.h"

#include <thread>

namespace longnet::train {

double training_flops(const config::ModelConfig& m, const attention::Spec& spec, int64_t seq_len,
                      int64_t sequences) {
  const double e = double(m.dim), f = double(m.ffn_dim), v = double(m.vocab_size);
  const double matmul_params = double(m.layers) * (4 * e * e + 2 * e * f) + v * e;
  const double tokens = double(seq_len) * double(sequences);
  const attention::Problem problem{.batch = sequences, .heads = m.heads,
                                   .head_dim = m.head_dim(), .seq_len = seq_len, .q_start = 0,
                                   .q_len = seq_len, .kv_start = 0, .kv_len = seq_len};
  const double attention = double(m.layers) * attention::forward_flops(spec, problem);
  return 3.0 * 2.0 * matmul_params * tokens + 3.5 * attention;
}

double cpu_peak_flops() {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return double(cores) * 3e9 * 32;
}

}  // namespace longnet::train
