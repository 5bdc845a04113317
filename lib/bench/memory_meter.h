#pragma once
// Peak memory of a benchmark target: the bytes of the buffers the target itself creates, counted
// as they are made and freed (memory the code under test allocates inside a call is not seen).
// A budget turns "does not fit" into OutOfMemory before the machine starts swapping.
#include <cstdint>
#include <string>
#include <vector>

#include "bench/sweep.h"

namespace longnet::bench {

class MemoryMeter {
 public:
  explicit MemoryMeter(int64_t budget_bytes) : budget_(budget_bytes) {}

  // Counts `bytes` more in use; throws OutOfMemory (naming `what`) if that passes the budget.
  void acquire(int64_t bytes, const std::string& what);
  void release(int64_t bytes) { in_use_ -= bytes; }

  int64_t in_use() const { return in_use_; }
  int64_t peak() const { return peak_; }
  int64_t budget() const { return budget_; }

 private:
  int64_t budget_, in_use_ = 0, peak_ = 0;
};

// Bytes counted by a meter from construction to destruction.
class MemoryLease {
 public:
  MemoryLease(MemoryMeter& meter, int64_t bytes, const std::string& what)
      : meter_(meter), bytes_(bytes) {
    meter_.acquire(bytes_, what);
  }
  ~MemoryLease() { meter_.release(bytes_); }
  MemoryLease(const MemoryLease&) = delete;
  MemoryLease& operator=(const MemoryLease&) = delete;

 private:
  MemoryMeter& meter_;
  int64_t bytes_;
};

// A zero-filled host array counted by a meter for as long as it lives.
template <class T>
class MeteredBuffer {
 public:
  MeteredBuffer(MemoryMeter& meter, int64_t count, const std::string& what)
      : lease_(meter, count * int64_t(sizeof(T)), what) {
    try {
      values_.resize(size_t(count));
    } catch (const std::bad_alloc&) {
      throw OutOfMemory(what + ": the allocation of " + std::to_string(count * sizeof(T)) +
                        " bytes failed");
    }
  }

  T* data() { return values_.data(); }
  int64_t size() const { return int64_t(values_.size()); }

 private:
  MemoryLease lease_;
  std::vector<T> values_;
};

// The memory the kernel says is available without swapping (MemAvailable of /proc/meminfo);
// 0 if it cannot be read.
int64_t available_host_memory();

}  // namespace longnet::bench
