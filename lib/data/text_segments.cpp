#include "data/text_segments.h"

namespace longnet::data {

namespace {

// Length of the well-formed UTF-8 sequence at text[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when the byte there does not start one.
size_t utf8_sequence_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[i + k]); };
  const auto continuation = [&](size_t k) { return i + k < text.size() && (byte(k) & 0xC0) == 0x80; };
  const uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;  // overlong
    if (lead == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0 && byte(1) < 0x90) return 0;  // overlong
    if (lead == 0xF4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

SegmentCounts split_segments(std::string_view text,
                             const std::function<void(std::string_view)>& on_text,
                             const std::function<void(uint8_t)>& on_raw) {
  SegmentCounts counts;
  size_t run_start = 0, i = 0;
  const auto flush = [&](size_t end) {
    if (end > run_start) on_text(text.substr(run_start, end - run_start));
  };
  const auto emit_raw = [&](size_t begin, size_t length) {
    flush(begin);
    for (size_t k = 0; k < length; ++k) on_raw(static_cast<uint8_t>(text[begin + k]));
    counts.raw_bytes += length;
    run_start = begin + length;
  };
  while (i < text.size()) {
    const size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      ++counts.invalid_utf8_bytes;
      emit_raw(i, 1);
      i += 1;
      continue;
    }
    const std::string_view symbol = text.substr(i, length);
    if (symbol == std::string_view("\0", 1) || symbol == kSpaceSymbol || symbol == kTabSymbol) {
      emit_raw(i, length);
    }
    i += length;
  }
  flush(text.size());
  return counts;
}

std::string tabs_to_symbol(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    if (c == '\t') {
      out += kTabSymbol;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace longnet::data
