#include "bench/png.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <string_view>

#include "common/error.h"

namespace longnet::bench {

namespace {

void put_u32_big_endian(std::vector<uint8_t>& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(value >> shift));
}

// length, type, data, CRC of type and data.
void put_chunk(std::vector<uint8_t>& out, std::string_view type, std::span<const uint8_t> data) {
  put_u32_big_endian(out, uint32_t(data.size()));
  const size_t type_at = out.size();
  out.insert(out.end(), type.begin(), type.end());
  out.insert(out.end(), data.begin(), data.end());
  put_u32_big_endian(out, crc32(std::span<const uint8_t>(out).subspan(type_at)));
}

// A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 section 3.2.4).
std::vector<uint8_t> zlib_stored(std::span<const uint8_t> data) {
  constexpr size_t max_block = 65535;
  std::vector<uint8_t> out = {0x78, 0x01};  // deflate, 32K window; (0x78 << 8 | 0x01) % 31 == 0
  size_t at = 0;
  do {
    const size_t len = std::min(max_block, data.size() - at);
    const bool last = at + len == data.size();
    out.push_back(last ? 1 : 0);  // BFINAL, BTYPE = 00 (stored), then pad to the byte
    out.push_back(uint8_t(len));
    out.push_back(uint8_t(len >> 8));
    out.push_back(uint8_t(~len));
    out.push_back(uint8_t(~len >> 8));
    out.insert(out.end(), data.begin() + at, data.begin() + at + len);
    at += len;
  } while (at < data.size());
  put_u32_big_endian(out, adler32(data));
  return out;
}

}  // namespace

uint32_t crc32(std::span<const uint8_t> bytes) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t byte : bytes) c = table[(c ^ byte) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t adler32(std::span<const uint8_t> bytes) {
  constexpr uint32_t mod = 65521;
  uint32_t a = 1, b = 0;
  for (uint8_t byte : bytes) {
    a = (a + byte) % mod;
    b = (b + a) % mod;
  }
  return (b << 16) | a;
}

std::vector<uint8_t> encode_png(const Image& image) {
  const size_t row_bytes = size_t(image.width()) * 3;
  std::vector<uint8_t> scanlines;
  scanlines.reserve((row_bytes + 1) * image.height());
  for (int y = 0; y < image.height(); ++y) {
    scanlines.push_back(0);  // filter type None
    const auto row = image.bytes().begin() + y * row_bytes;
    scanlines.insert(scanlines.end(), row, row + row_bytes);
  }

  std::vector<uint8_t> header;
  put_u32_big_endian(header, uint32_t(image.width()));
  put_u32_big_endian(header, uint32_t(image.height()));
  // bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace
  header.insert(header.end(), {8, 2, 0, 0, 0});

  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  put_chunk(png, "IHDR", header);
  put_chunk(png, "IDAT", zlib_stored(scanlines));
  put_chunk(png, "IEND", {});
  return png;
}

void write_png(const std::filesystem::path& path, const Image& image) {
  const auto png = encode_png(image);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(png.data()), std::streamsize(png.size()));
  if (!out) fail<RuntimeError>("cannot write {}: check that its folder exists and is writable",
                               path.string());
}

}  // namespace longnet::bench
