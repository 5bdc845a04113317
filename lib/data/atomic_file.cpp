#include "data/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace longnet::data {

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)) {
  temporary_ = path_;
  temporary_ += ".tmp-" + std::to_string(::getpid());
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
  file_ = std::fopen(temporary_.c_str(), "wb");
  if (!file_) {
    fail<RuntimeError>("cannot write {}: {}; check that the folder is writable", temporary_.string(),
                       std::strerror(errno));
  }
}

AtomicFile::~AtomicFile() {
  if (!file_) return;
  std::fclose(file_);
  std::error_code ignored;
  std::filesystem::remove(temporary_, ignored);
}

void AtomicFile::write(const void* data, size_t size) {
  if (size > 0 && std::fwrite(data, 1, size, file_) != size) {
    fail<RuntimeError>("error writing {}: {} (disk full?)", temporary_.string(), std::strerror(errno));
  }
}

void AtomicFile::commit() {
  const bool flushed = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!flushed || !closed) {
    std::error_code ignored;
    std::filesystem::remove(temporary_, ignored);
    fail<RuntimeError>("error writing {}: {} (disk full?)", temporary_.string(), std::strerror(errno));
  }
  std::filesystem::rename(temporary_, path_);
}

void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  AtomicFile file(path);
  file.write(contents.data(), contents.size());
  file.commit();
}

}  // namespace longnet::data
