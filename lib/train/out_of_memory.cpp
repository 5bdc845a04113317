#include "train/out_of_memory.h"

#include <fmt/format.h>

namespace longnet::train {

bool is_out_of_memory(std::string_view message) {
  return message.find("out of memory") != std::string_view::npos;
}

std::string out_of_memory_advice(std::string_view cause, int64_t micro_batch, int64_t seq_len) {
  const std::string used = fmt::format(
      "train: out of GPU memory with train.micro_batch = {} and train.seq_len = {} ({} tokens "
      "a micro-batch)",
      micro_batch, seq_len, micro_batch * seq_len);
  if (micro_batch == 1)
    return fmt::format("{}. train.micro_batch is already 1: use a shorter train.seq_len or a "
                       "smaller model.\n  cause: {}",
                       used, cause);
  int64_t smaller = micro_batch / 2;  // the largest proper divisor keeps tokens_per_step valid
  while (micro_batch % smaller != 0) --smaller;
  return fmt::format("{}. Set a smaller train.micro_batch, e.g. --set train.micro_batch={} "
                     "(gradient accumulation keeps train.tokens_per_step).\n  cause: {}",
                     used, smaller, cause);
}

}  // namespace longnet::train
