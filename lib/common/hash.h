#pragma once
// Checksums. SHA-256 identifies downloaded packages (the same digest `sha256sum` prints); the fast
// 64-bit hash (the XXH64 algorithm) checks shards and tokenizers and keys cached stages.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace longnet {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // Lower-case hex digest; finishes the hash (call once).
  std::string hex_digest();

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// SHA-256 of a file's bytes; throws RuntimeError naming the file when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

// Streaming XXH64: update() any number of times, digest() at any point.
class Hash64 {
 public:
  explicit Hash64(uint64_t seed = 0);
  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  template <class T>
  void update_value(const T& value) { update(&value, sizeof(T)); }
  uint64_t digest() const;

 private:
  uint64_t seed_;
  std::array<uint64_t, 4> lanes_;
  std::array<uint8_t, 32> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

uint64_t hash64(std::string_view data, uint64_t seed = 0);

// 16 lower-case hex digits.
std::string hex64(uint64_t value);

}  // namespace longnet
