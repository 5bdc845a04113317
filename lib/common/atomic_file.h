#pragma once
// Writes a file so that a reader (or a crash) sees either the old file or the complete new one:
// the bytes go to a temporary file in the same directory, which is flushed to disk, renamed over
// the target, and the directory is flushed too.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>

namespace longnet {

// The temporary file being written; write() throws RuntimeError naming the target path.
class OutputFile {
 public:
  OutputFile(int fd, std::filesystem::path target) : fd_(fd), target_(std::move(target)) {}
  void write(const void* data, size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  const std::filesystem::path& target() const { return target_; }

 private:
  int fd_;
  std::filesystem::path target_;
};

// Calls `produce` to fill the file, then publishes it at `path`. On any failure - in `produce`
// too - the temporary is removed, `path` is left as it was, and the exception propagates
// (I/O failures as RuntimeError naming `path`).
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(OutputFile&)>& produce);

inline void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  write_file_atomically(path, [&](OutputFile& out) { out.write(contents); });
}

}  // namespace longnet
