#pragma once
// How text reaches SentencePiece unchanged. SentencePiece replaces malformed UTF-8 with U+FFFD,
// reads a space as U+2581 and cannot learn tabs (its trainer drops them), so `prepare` splits
// text into runs it can pass safely and raw bytes it cannot, and swaps tabs for U+2409.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace longnet::data {

// U+2409 SYMBOL FOR HORIZONTAL TABULATION: stands for '\t' inside the tokenizer.
inline constexpr std::string_view kTabSymbol = "\xE2\x90\x89";
// U+2581 LOWER ONE EIGHTH BLOCK: SentencePiece's own stand-in for a space.
inline constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";

struct SegmentCounts {
  uint64_t invalid_utf8_bytes = 0;  // bytes that are not part of well-formed UTF-8
  uint64_t raw_bytes = 0;           // every byte passed as a raw byte (invalid ones included)
};

// Walks `text` once, in order: on_text gets maximal runs of well-formed UTF-8 that contain no
// NUL, no U+2581 and no U+2409; on_raw gets every other byte, one at a time. The concatenation
// of what both receive is `text`.
SegmentCounts split_segments(std::string_view text,
                             const std::function<void(std::string_view)>& on_text,
                             const std::function<void(uint8_t)>& on_raw);

// Replaces each '\t' by kTabSymbol.
std::string tabs_to_symbol(std::string_view text);

}  // namespace longnet::data
