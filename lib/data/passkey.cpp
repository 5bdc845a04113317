#include "data/passkey.h"

#include <fmt/format.h>

#include <random>

#include "common/error.h"

namespace longnet::data {

namespace {

constexpr std::string_view kIntroduction =
    "There is an important pass key hidden inside a lot of irrelevant text. Find it and "
    "remember it; you will be asked for it.\n";
constexpr std::string_view kFiller =
    "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n";
constexpr std::string_view kQuestion = "What is the pass key? The pass key is";

void append(std::vector<uint32_t>& to, const std::vector<uint32_t>& ids) { to.insert(to.end(), ids.begin(), ids.end()); }

}  // namespace

PasskeySample make_passkey_sample(const Tokenizer& tokenizer, const PasskeyOptions& options) {
  if (!(options.depth >= 0 && options.depth <= 1)) {
    fail<UsageError>("passkey depth {} is outside [0, 1]", options.depth);
  }
  if (options.digits < 1 || options.digits > 18) {
    fail<UsageError>("passkey digits {} is outside [1, 18]", options.digits);
  }
  PasskeySample sample;
  std::mt19937_64 random(options.seed);  // its sequence is fixed by the C++ standard
  sample.passkey = std::to_string(1 + random() % 9);
  while (int(sample.passkey.size()) < options.digits) sample.passkey += std::to_string(random() % 10);

  const auto introduction = tokenizer.encode(kIntroduction);
  const auto filler = tokenizer.encode(kFiller);
  const auto needle = tokenizer.encode(
      fmt::format("The pass key is {0}. Remember it. {0} is the pass key.\n", sample.passkey));
  const auto question = tokenizer.encode(kQuestion);
  sample.answer = tokenizer.encode(" " + sample.passkey);

  const int64_t fixed = int64_t(introduction.size() + needle.size() + question.size());
  const int64_t filler_tokens = options.prompt_tokens - fixed;
  if (filler_tokens < 0) {
    fail<UsageError>("a passkey prompt of {} tokens is too short: the instructions, the passkey and "
                     "the question alone take {} tokens",
                     options.prompt_tokens, fixed);
  }
  // The passkey goes between whole filler sentences, at the depth rounded down to one.
  const int64_t unit = int64_t(filler.size());
  const int64_t before = int64_t(options.depth * double(filler_tokens)) / unit * unit;
  const auto add_filler = [&](int64_t count) {
    for (int64_t i = 0; i < count; ++i) sample.prompt.push_back(filler[size_t(i % unit)]);
  };
  append(sample.prompt, introduction);
  add_filler(before);
  sample.needle_position = int64_t(sample.prompt.size());
  append(sample.prompt, needle);
  add_filler(filler_tokens - before);
  append(sample.prompt, question);
  return sample;
}

}  // namespace longnet::data
