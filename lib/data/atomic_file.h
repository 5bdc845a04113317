#pragma once
// Files that appear whole or not at all: written under a temporary name in the same folder, flushed,
// then renamed over the destination. A crash leaves at most a `.tmp-*` file, never a half file.
#include <cstdio>
#include <filesystem>
#include <string_view>

namespace longnet::data {

void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

// For large outputs written piece by piece: write through file(), then commit(). A writer
// destroyed without commit() removes its temporary file.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::FILE* file() { return file_; }
  void write(const void* data, size_t size);
  // Flushes, syncs and renames onto the destination; RuntimeError on any I/O failure.
  void commit();

 private:
  std::filesystem::path path_, temporary_;
  std::FILE* file_ = nullptr;
};

}  // namespace longnet::data
