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

AtomicWriter::AtomicWriter(std::filesystem::path target)
    : target_(std::move(target)), temporary_(temporary_name(target_)) {
  fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) fail_io("creating a temporary file for", target_);
}

AtomicWriter::~AtomicWriter() {
  if (fd_ < 0) return;
  ::close(fd_);
  remove_keeping_errno(temporary_);
}

void AtomicWriter::write(const void* data, size_t size) {
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

void AtomicWriter::seek(uint64_t offset) {
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) fail_io("seeking in", target_);
}

void AtomicWriter::commit() {
  if (::fsync(fd_) != 0) fail_io("flushing", target_);  // the destructor cleans up
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    remove_keeping_errno(temporary_);
    fail_io("closing", target_);
  }
  if (::rename(temporary_.c_str(), target_.c_str()) != 0) {
    remove_keeping_errno(temporary_);
    fail_io("renaming the temporary file onto", target_);
  }
  sync_directory(target_);
}

void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(AtomicWriter&)>& produce) {
  AtomicWriter out(path);
  produce(out);
  out.commit();
}

}  // namespace longnet
