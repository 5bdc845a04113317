#pragma once
// A whole file mapped read-only into memory, for readers of large binary files (checkpoints,
// token shards) that want views instead of copies.
#include <cstddef>
#include <filesystem>
#include <span>

namespace longnet {

class MappedFile {
 public:
  // Throws RuntimeError naming the path when the file cannot be opened or mapped.
  explicit MappedFile(std::filesystem::path path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {static_cast<const std::byte*>(address_), size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  void* address_ = nullptr;
  size_t size_ = 0;
};

}  // namespace longnet
