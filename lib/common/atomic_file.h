#pragma once
// Writes a file so that a reader (or a crash) sees either the old file or the complete new one:
// the bytes go to a temporary file in the same directory, which is flushed to disk, renamed over
// the target, and the directory is flushed too.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

namespace longnet {

// A file written piece by piece and published by commit(). A writer destroyed without commit()
// (a failure, an exception) removes its temporary and leaves the target as it was. Every I/O
// failure is a RuntimeError naming the target path; the directory must exist.
class AtomicWriter {
 public:
  explicit AtomicWriter(std::filesystem::path target);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;

  void write(const void* data, size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // Moves the write position, e.g. back to fill in a header once the body is known.
  void seek(uint64_t offset);
  // Flushes the file, renames it onto the target and flushes the directory.
  void commit();
  const std::filesystem::path& target() const { return target_; }

 private:
  std::filesystem::path target_, temporary_;
  int fd_ = -1;
};

// Calls `produce` to fill the file, then publishes it at `path`. On any failure - in `produce`
// too - the temporary is removed, `path` is left as it was, and the exception propagates.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(AtomicWriter&)>& produce);

inline void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  write_file_atomically(path, [&](AtomicWriter& out) { out.write(contents); });
}

}  // namespace longnet
