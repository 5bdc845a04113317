#pragma once
// What `longnet train` says when a step runs out of device memory: the sizes it used and the
// smaller train.micro_batch to try (gradient accumulation keeps train.tokens_per_step).
#include <cstdint>
#include <string>
#include <string_view>

namespace longnet::train {

// True when an error message reports running out of memory (the caching allocator's or CUDA's).
bool is_out_of_memory(std::string_view message);

// "train: out of GPU memory with train.micro_batch = 8 and train.seq_len = 8192 ... set
// train.micro_batch = 4 ..."; `cause` is the original message.
std::string out_of_memory_advice(std::string_view cause, int64_t micro_batch, int64_t seq_len);

}  // namespace longnet::train
