#include "ops/cuda/block_cache.h"

#include <algorithm>
#include <bit>

#include "common/error.h"

namespace longnet::cuda {

namespace {

std::string gib(int64_t bytes) { return fmt::format("{:.2f} GiB", bytes / double(1 << 30)); }

}  // namespace

BlockCache::BlockCache(Backend backend) : backend_(std::move(backend)) {}

BlockCache::~BlockCache() {
  std::lock_guard lock(mutex_);
  release_cached_locked();
  for (auto& [p, size] : live_) backend_.release(p);
}

size_t BlockCache::round_size(size_t bytes) {
  constexpr size_t kMin = 512, kMaxStep = size_t(2) << 20;
  if (bytes <= kMin) return kMin;
  size_t octave = std::bit_floor(bytes);
  size_t step = std::clamp(octave / 4, kMin, kMaxStep);
  return (bytes + step - 1) / step * step;
}

void* BlockCache::allocate(size_t bytes) {
  size_t rounded = round_size(bytes);
  std::lock_guard lock(mutex_);
  ++stats_.requests;
  void* p = nullptr;
  size_t size = rounded;
  auto it = cached_.lower_bound(rounded);
  if (it != cached_.end() && it->first <= 2 * rounded) {
    size = it->first;
    p = it->second;
    cached_.erase(it);
  } else {
    p = allocate_raw(rounded, bytes);
    stats_.reserved += rounded;
    stats_.peak_reserved = std::max(stats_.peak_reserved, stats_.reserved);
  }
  live_.emplace(p, size);
  stats_.in_use += size;
  stats_.peak_in_use = std::max(stats_.peak_in_use, stats_.in_use);
  return p;
}

void* BlockCache::allocate_raw(size_t rounded, size_t asked) {
  auto fits = [&] { return limit_ == 0 || stats_.reserved + rounded <= limit_; };
  void* p = fits() ? backend_.allocate(rounded) : nullptr;
  if (!p) {
    release_cached_locked();
    p = fits() ? backend_.allocate(rounded) : nullptr;
  }
  if (!p) {
    std::string limit = limit_ ? fmt::format(", limit {}", gib(limit_)) : "";
    fail<RuntimeError>(
        "out of memory on {}: asked for {} ({} bytes); {} in use, {} reserved by longnet{}{}. "
        "Use a smaller micro-batch (or shorter sequences) so that the step fits.",
        backend_.name, gib(asked), asked, gib(stats_.in_use), gib(stats_.reserved), limit,
        backend_.describe ? backend_.describe() : "");
  }
  ++stats_.raw_allocations;
  return p;
}

void BlockCache::free(void* p) {
  if (!p) return;
  std::lock_guard lock(mutex_);
  auto it = live_.find(p);
  if (it == live_.end()) fail<RuntimeError>("{}: freeing a pointer this allocator does not own", backend_.name);
  stats_.in_use -= it->second;
  cached_.emplace(it->second, p);
  live_.erase(it);
}

void BlockCache::release_cached() {
  std::lock_guard lock(mutex_);
  release_cached_locked();
}

void BlockCache::release_cached_locked() {
  for (auto& [size, p] : cached_) {
    backend_.release(p);
    stats_.reserved -= size;
  }
  cached_.clear();
}

void BlockCache::set_limit(size_t bytes) {
  std::lock_guard lock(mutex_);
  limit_ = bytes;
}

MemoryStats BlockCache::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void BlockCache::reset_peak() {
  std::lock_guard lock(mutex_);
  stats_.peak_in_use = stats_.in_use;
  stats_.peak_reserved = stats_.reserved;
}

Block& Block::operator=(Block&& o) noexcept {
  if (this != &o) {
    reset();
    cache_ = o.cache_;
    ptr_ = o.ptr_;
    o.ptr_ = nullptr;
  }
  return *this;
}

void Block::reset() {
  if (ptr_) cache_->free(ptr_);
  ptr_ = nullptr;
}

}  // namespace longnet::cuda
