#pragma once
// A PNG encoder with no zlib: 8-bit RGB, no filtering, the image data held in stored
// (uncompressed) deflate blocks. Files are larger than zlib's, which a chart does not mind.
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "bench/image.h"

namespace longnet::bench {

std::vector<uint8_t> encode_png(const Image& image);

// Writes encode_png(image) to `path`; throws RuntimeError if it cannot.
void write_png(const std::filesystem::path& path, const Image& image);

// The checksums PNG needs: CRC-32 (ISO 3309, as in zlib's crc32) and zlib's Adler-32.
uint32_t crc32(std::span<const uint8_t> bytes);
uint32_t adler32(std::span<const uint8_t> bytes);

}  // namespace longnet::bench
