#pragma once
// Synthetic long-range evaluation: passkey retrieval. A random number is hidden at a chosen depth
// in repeated filler text of an exact total length; the prompt ends by asking for it, and the
// model must continue with the number. Deterministic from the seed.
#include <cstdint>
#include <string>
#include <vector>

#include "data/tokenizer.h"

namespace longnet::data {

struct PasskeyOptions {
  int64_t prompt_tokens = 2048;  // exact length of the prompt
  double depth = 0.5;            // where the passkey sits in the filler: 0 start, 1 end
  uint64_t seed = 0;
  int digits = 5;
};

struct PasskeySample {
  std::vector<uint32_t> prompt;  // exactly prompt_tokens ids
  std::vector<uint32_t> answer;  // the ids of " <passkey>", what the model should produce next
  std::string passkey;           // the number, as digits
  int64_t needle_position = 0;   // index in prompt where the sentence stating the passkey starts
};

// UsageError when prompt_tokens cannot hold the instructions, the passkey sentence and the
// question, or when depth is outside [0, 1] or digits outside [1, 18].
PasskeySample make_passkey_sample(const Tokenizer& tokenizer, const PasskeyOptions& options);

}  // namespace longnet::data
