#include "common/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace longnet {
namespace {

[[noreturn]] void fail_io(const char* doing, const std::filesystem::path& path) {
  fail<RuntimeError>("{} {}: {}", doing, path.string(), std::strerror(errno));
}

// Unique among concurrent writers of this process and of other processes.
std::filesystem::path temporary_name(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.parent_path() /
         fmt::format(".{}.tmp-{}-{}", path.filename().string(), ::getpid(), counter++);
}

void remove_keeping_errno(const std::filesystem::path& file) {
  const int saved = errno;
  ::unlink(file.c_str());
  errno = saved;
}

void sync_directory(const std::filesystem::path& file) {
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail_io("opening directory of", file);
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) fail_io("flushing directory of", file);
}

}  // namespace

void OutputFile::write(const void* data, size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_io("writing", target_);
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(OutputFile&)>& produce) {
  const std::filesystem::path temporary = temporary_name(path);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail_io("creating a temporary file for", path);
  try {
    OutputFile out(fd, path);
    produce(out);
    if (::fsync(fd) != 0) fail_io("flushing", path);
  } catch (...) {
    ::close(fd);
    remove_keeping_errno(temporary);
    throw;
  }
  if (::close(fd) != 0) {
    remove_keeping_errno(temporary);
    fail_io("closing", path);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    remove_keeping_errno(temporary);
    fail_io("renaming the temporary file onto", path);
  }
  sync_directory(path);
}

}  // namespace longnet
