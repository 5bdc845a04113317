#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/crc32c.h"

namespace longnet {
namespace {

// Bit at a time, straight from the definition (reflected polynomial 0x82F63B78).
uint32_t crc32c_bitwise(const std::vector<uint8_t>& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

TEST(Crc32c, MatchesTheCatalogueCheckValueAndRfc3720Vectors) {
  const std::string_view check = "123456789";
  EXPECT_EQ(crc32c(check.data(), check.size()), 0xE3069283u);
  std::vector<uint8_t> zeros(32, 0x00), ones(32, 0xFF), up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = uint8_t(i);
    down[i] = uint8_t(31 - i);
  }
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
  EXPECT_EQ(crc32c(up.data(), 32), 0x46DD794Eu);
  EXPECT_EQ(crc32c(down.data(), 32), 0x113FDB5Cu);
  EXPECT_EQ(crc32c(nullptr, 0), 0u);
}

TEST(Crc32c, AgreesWithTheBitwiseDefinitionAtEveryLengthAndSplit) {
  std::vector<uint8_t> bytes(67);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = uint8_t(i * 131 + 7);
  for (size_t n = 0; n <= bytes.size(); ++n) {
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + n);
    const uint32_t whole = crc32c(prefix.data(), n);
    EXPECT_EQ(whole, crc32c_bitwise(prefix)) << "length " << n;
    for (size_t split : {size_t{0}, n / 3, n}) {
      EXPECT_EQ(crc32c(prefix.data() + split, n - split, crc32c(prefix.data(), split)), whole)
          << "length " << n << " split " << split;
    }
  }
}

}  // namespace
}  // namespace longnet
