#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "common/hash.h"
#include "support/run_process.h"

namespace longnet {

namespace {

std::string sha256_of(std::string_view text) {
  Sha256 sha;
  sha.update(text);
  return sha.hex_digest();
}

}  // namespace

TEST(Sha256, MatchesThePublishedTestVectors) {
  EXPECT_EQ(sha256_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_of(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, AgreesWithSha256sumOnAFile) {
  const auto path = std::filesystem::temp_directory_path() / "longnet_test_sha256.bin";
  std::mt19937 random(5);
  std::string bytes(300001, '\0');
  for (auto& b : bytes) b = char(random());
  std::ofstream(path, std::ios::binary) << bytes;
  const auto r = testing::run_process("sha256sum " + path.string());
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(sha256_file(path), r.out.substr(0, 64));
}

TEST(Hash64, MatchesTheXxh64ReferenceValues) {
  EXPECT_EQ(hash64(""), 0xEF46DB3751D8E999ull);
  EXPECT_EQ(hash64("abc"), 0x44BC2CF5AD770999ull);
}

TEST(Hash64, StreamingInAnyPiecesEqualsOneShot) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += char('a' + i % 23);
  for (size_t length : {0u, 3u, 31u, 32u, 33u, 100u, 1000u}) {
    const std::string_view whole(text.data(), length);
    for (size_t cut : {size_t(0), length / 3, length / 2, length}) {
      Hash64 h(9);
      h.update(whole.substr(0, cut));
      h.update(whole.substr(cut));
      EXPECT_EQ(h.digest(), hash64(whole, 9)) << length << " " << cut;
    }
  }
  EXPECT_NE(hash64("abc", 0), hash64("abc", 1));
  EXPECT_NE(hash64("abd"), hash64("abc"));
}

}  // namespace longnet
