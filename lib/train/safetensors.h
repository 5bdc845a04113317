#pragma once
// The safetensors file format (github.com/huggingface/safetensors), as Python's `safetensors`
// package reads it: 8-byte little-endian header length N, N bytes of JSON
// {"<name>": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
// then the tensors' raw little-endian bytes. longnet adds a CRC-32C of the data section to
// __metadata__ under kChecksumKey and verifies it on read. Layout details: docs/checkpoints.md.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/mapped_file.h"

namespace longnet::safetensors {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

std::string_view dtype_name(DType dtype);  // "F32", "BF16", ...
size_t dtype_size(DType dtype);            // bytes per element
std::optional<DType> parse_dtype(std::string_view name);

using Metadata = std::map<std::string, std::string>;
inline constexpr std::string_view kChecksumKey = "longnet.crc32c";  // 8 lowercase hex digits

struct TensorData {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;  // {} is a scalar (one element)
  const void* data;            // numel * dtype_size bytes
};

// Writes the tensors atomically (common/atomic_file.h). The header lists them sorted by name;
// the data section orders them by element size, largest first, then by name, so every tensor
// starts aligned to its element size. Throws RuntimeError naming the path and the problem.
void write_file(const std::filesystem::path& path, std::vector<TensorData> tensors,
                const Metadata& metadata = {});

// One tensor of an open file; `bytes` points into the mapping and lives as long as the File.
struct TensorView {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::span<const std::byte> bytes;

  int64_t numel() const;
  std::span<const float> f32() const;  // throws RuntimeError unless dtype is F32
};

enum class Checksum { required, if_present };

// Opens, validates and maps a file. Throws RuntimeError naming the path and what is wrong for
// a truncated file, a malformed header, inconsistent offsets or a checksum mismatch. Files
// from other writers have no checksum: open them with Checksum::if_present.
class File {
 public:
  explicit File(const std::filesystem::path& path, Checksum checksum = Checksum::required);

  const std::filesystem::path& path() const { return mapping_.path(); }
  const std::vector<TensorView>& tensors() const { return tensors_; }  // sorted by name
  const Metadata& metadata() const { return metadata_; }
  const TensorView* find(std::string_view name) const;
  const TensorView& at(std::string_view name) const;  // throws RuntimeError when absent

 private:
  MappedFile mapping_;
  std::vector<TensorView> tensors_;
  Metadata metadata_;
};

}  // namespace longnet::safetensors
