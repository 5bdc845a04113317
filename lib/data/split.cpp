#include "data/split.h"

#include "common/hash.h"

namespace longnet::data {

std::string_view split_name(Split split) {
  switch (split) {
    case Split::train: return "train";
    case Split::valid: return "valid";
    case Split::test: return "test";
  }
  return "?";
}

Split assign_split(std::string_view document_name, const SplitSpec& spec) {
  // The top 53 bits of the hash as a uniform number in [0, 1).
  const double u = double(hash64(document_name, uint64_t(spec.seed)) >> 11) * 0x1.0p-53;
  if (u < spec.test) return Split::test;
  if (u < spec.test + spec.valid) return Split::valid;
  return Split::train;
}

}  // namespace longnet::data
