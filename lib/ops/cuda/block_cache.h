#pragma once
// A caching allocator over a raw allocator (cudaMalloc, cudaHostAlloc). Requests are rounded up to
// size bins (four per power of two, at most 2 MiB apart) and freed blocks wait in per-bin free
// lists, so a training loop that asks for the same sizes every step stops calling the raw
// allocator after its first step. Blocks are never split. A request takes the smallest cached
// block of its bin or up to twice its size; when the raw allocator fails, every cached block is
// returned to it and the request retried once before the out-of-memory error.
//
// One cache serves one device and its one stream: a block freed after work was queued on that
// stream may be handed out again at once, because later work on the same stream runs after it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace longnet::cuda {

struct MemoryStats {
  int64_t in_use = 0;         // bytes of live blocks (rounded sizes)
  int64_t peak_in_use = 0;    // since construction or reset_peak()
  int64_t reserved = 0;       // in_use plus cached free blocks
  int64_t peak_reserved = 0;
  int64_t raw_allocations = 0;  // calls into the raw allocator that succeeded
  int64_t requests = 0;         // allocate() calls
};

class BlockCache {
 public:
  struct Backend {
    std::string name;                         // "device 0", "pinned host": used in messages
    std::function<void*(size_t)> allocate;    // nullptr when out of memory
    std::function<void(void*)> release;
    std::function<std::string()> describe;    // extra words for the OOM message (free/total)
  };

  explicit BlockCache(Backend backend);
  ~BlockCache();
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // Throws RuntimeError when neither the cache nor the raw allocator can serve `bytes`.
  void* allocate(size_t bytes);
  void free(void* p);

  // Returns all cached (free) blocks to the raw allocator. Live blocks stay.
  void release_cached();
  // Caps reserved bytes (0: no cap), as if the memory were that small.
  void set_limit(size_t bytes);

  MemoryStats stats() const;
  void reset_peak();

  static size_t round_size(size_t bytes);

 private:
  void* allocate_raw(size_t rounded, size_t asked);
  void release_cached_locked();

  Backend backend_;
  mutable std::mutex mutex_;
  std::multimap<size_t, void*> cached_;         // free blocks by size
  std::unordered_map<void*, size_t> live_;      // block -> size
  size_t limit_ = 0;
  MemoryStats stats_;
};

// Owns one block of a cache; moves, never copies.
class Block {
 public:
  Block() = default;
  Block(BlockCache& cache, size_t bytes) : cache_(&cache), ptr_(cache.allocate(bytes)) {}
  Block(Block&& o) noexcept : cache_(o.cache_), ptr_(o.ptr_) { o.ptr_ = nullptr; }
  Block& operator=(Block&& o) noexcept;
  ~Block() { reset(); }
  void reset();
  void* get() const { return ptr_; }
  template <class T>
  T* as() const { return static_cast<T*>(ptr_); }

 private:
  BlockCache* cache_ = nullptr;
  void* ptr_ = nullptr;
};

}  // namespace longnet::cuda
