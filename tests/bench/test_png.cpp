// The PNG writer, checked by decoding its output here, independently: chunk layout and CRCs,
// the zlib stream's header, stored blocks and Adler-32, then the pixels row by row.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench/png.h"

namespace longnet::bench {
namespace {

// CRC-32 bit by bit (no table), as the PNG specification's annex defines it.
uint32_t crc_bitwise(const uint8_t* data, size_t size) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) {
    c ^= data[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

uint32_t big_endian(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

struct Decoded {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> rgb;
  int stored_blocks = 0;
};

// Decodes an 8-bit RGB PNG whose IDAT holds only stored deflate blocks and unfiltered rows.
Decoded decode(const std::vector<uint8_t>& png) {
  const uint8_t signature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  EXPECT_EQ(std::memcmp(png.data(), signature, 8), 0);
  Decoded d;
  std::vector<uint8_t> zlib;
  std::vector<std::string> chunk_types;
  size_t at = 8;
  while (at + 12 <= png.size()) {
    const uint32_t length = big_endian(&png[at]);
    const std::string type(png.begin() + at + 4, png.begin() + at + 8);
    const uint8_t* data = &png[at + 8];
    EXPECT_EQ(big_endian(data + length), crc_bitwise(&png[at + 4], length + 4)) << type;
    chunk_types.push_back(type);
    if (type == "IHDR") {
      EXPECT_EQ(length, 13u);
      d.width = big_endian(data);
      d.height = big_endian(data + 4);
      EXPECT_EQ(data[8], 8);   // bit depth
      EXPECT_EQ(data[9], 2);   // RGB
      EXPECT_EQ(data[10], 0);  // deflate
      EXPECT_EQ(data[11], 0);  // filter method
      EXPECT_EQ(data[12], 0);  // no interlace
    } else if (type == "IDAT") {
      zlib.insert(zlib.end(), data, data + length);
    }
    at += 12 + length;
  }
  EXPECT_EQ(at, png.size()) << "bytes after the last chunk";
  EXPECT_EQ(chunk_types.front(), "IHDR");
  EXPECT_EQ(chunk_types.back(), "IEND");

  EXPECT_EQ((zlib[0] & 0x0F), 8) << "compression method deflate";
  EXPECT_EQ((zlib[0] * 256 + zlib[1]) % 31, 0) << "zlib header check";
  EXPECT_EQ(zlib[1] & 0x20, 0) << "no preset dictionary";
  std::vector<uint8_t> raw;
  size_t pos = 2;
  for (bool final = false; !final;) {
    final = zlib[pos] & 1;
    EXPECT_EQ((zlib[pos] >> 1) & 3, 0) << "block type stored";
    const uint16_t len = uint16_t(zlib[pos + 1] | zlib[pos + 2] << 8);
    const uint16_t nlen = uint16_t(zlib[pos + 3] | zlib[pos + 4] << 8);
    EXPECT_EQ(uint16_t(~len), nlen);
    raw.insert(raw.end(), zlib.begin() + pos + 5, zlib.begin() + pos + 5 + len);
    pos += 5 + len;
    ++d.stored_blocks;
  }
  uint64_t a = 1, b = 0;  // Adler-32 from its definition, reduced once at the end
  for (uint8_t byte : raw) {
    a += byte;
    b += a;
  }
  EXPECT_EQ(big_endian(&zlib[pos]), uint32_t((b % 65521) << 16 | (a % 65521)));
  EXPECT_EQ(pos + 4, zlib.size());

  const size_t row = size_t(d.width) * 3 + 1;
  EXPECT_EQ(raw.size(), row * d.height);
  for (uint32_t y = 0; y < d.height; ++y) {
    EXPECT_EQ(raw[y * row], 0) << "filter type None";
    d.rgb.insert(d.rgb.end(), raw.begin() + y * row + 1, raw.begin() + (y + 1) * row);
  }
  return d;
}

Image gradient(int width, int height) {
  Image image(width, height, {0, 0, 0});
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) image.set(x, y, {uint8_t(x), uint8_t(y), uint8_t(x * y)});
  }
  return image;
}

void expect_same_pixels(const Decoded& d, const Image& image) {
  ASSERT_EQ(d.width, uint32_t(image.width()));
  ASSERT_EQ(d.height, uint32_t(image.height()));
  for (int y = 0; y < image.height(); ++y) {
    for (int x = 0; x < image.width(); ++x) {
      const size_t i = (size_t(y) * image.width() + x) * 3;
      const Rgb p = image.at(x, y);
      ASSERT_EQ((Rgb{d.rgb[i], d.rgb[i + 1], d.rgb[i + 2]}), p) << x << "," << y;
    }
  }
}

TEST(Checksums, MatchTheStandardCheckValues) {
  const std::string digits = "123456789", word = "Wikipedia";
  EXPECT_EQ(crc32({reinterpret_cast<const uint8_t*>(digits.data()), digits.size()}), 0xCBF43926u);
  EXPECT_EQ(adler32({reinterpret_cast<const uint8_t*>(word.data()), word.size()}), 0x11E60398u);
}

TEST(Png, ASmallImageDecodesToItsPixels) {
  const Image image = gradient(7, 5);
  const Decoded d = decode(encode_png(image));
  EXPECT_EQ(d.stored_blocks, 1);
  expect_same_pixels(d, image);
}

TEST(Png, ImageDataOverOneStoredBlockIsSplitAcrossBlocks) {
  const Image image = gradient(200, 150);  // 150 * 601 bytes of rows: two stored blocks
  const Decoded d = decode(encode_png(image));
  EXPECT_EQ(d.stored_blocks, 2);
  expect_same_pixels(d, image);
}

TEST(Png, WritePngWritesTheEncodedBytes) {
  const Image image = gradient(3, 3);
  const auto path = std::filesystem::temp_directory_path() / "longnet_test_png.png";
  write_png(path, image);
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> file{std::istreambuf_iterator<char>(in), {}};
  EXPECT_EQ(file, encode_png(image));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace longnet::bench
