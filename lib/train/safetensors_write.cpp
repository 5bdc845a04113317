#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "common/atomic_file.h"
#include "common/crc32c.h"
#include "common/error.h"
#include "train/safetensors.h"

namespace longnet::safetensors {
namespace {

uint64_t byte_size(const TensorData& t, const std::filesystem::path& path) {
  uint64_t n = dtype_size(t.dtype);
  for (int64_t d : t.shape) {
    if (d < 0)
      fail<RuntimeError>("writing {}: tensor '{}' has a negative dimension {}", path.string(),
                         t.name, d);
    n *= static_cast<uint64_t>(d);
  }
  return n;
}

void check_tensors(const std::vector<TensorData>& tensors, const Metadata& metadata,
                   const std::filesystem::path& path) {
  std::set<std::string_view> names;
  for (const TensorData& t : tensors) {
    if (t.name.empty() || t.name == "__metadata__")
      fail<RuntimeError>("writing {}: '{}' is not a usable tensor name", path.string(), t.name);
    if (!names.insert(t.name).second)
      fail<RuntimeError>("writing {}: tensor '{}' appears twice", path.string(), t.name);
    if (t.data == nullptr && byte_size(t, path) > 0)
      fail<RuntimeError>("writing {}: tensor '{}' has no data", path.string(), t.name);
  }
  if (metadata.contains(std::string(kChecksumKey)))
    fail<RuntimeError>("writing {}: metadata key '{}' is reserved for the checksum", path.string(),
                       kChecksumKey);
}

}  // namespace

void write_file(const std::filesystem::path& path, std::vector<TensorData> tensors,
                const Metadata& metadata) {
  check_tensors(tensors, metadata, path);
  std::sort(tensors.begin(), tensors.end(), [](const TensorData& a, const TensorData& b) {
    const size_t sa = dtype_size(a.dtype), sb = dtype_size(b.dtype);
    return sa != sb ? sa > sb : a.name < b.name;
  });

  nlohmann::json header = nlohmann::json::object();
  uint64_t offset = 0;
  uint32_t crc = 0;
  for (const TensorData& t : tensors) {
    const uint64_t size = byte_size(t, path);
    header[t.name] = {{"dtype", dtype_name(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + size}}};
    crc = crc32c(t.data, size, crc);
    offset += size;
  }
  nlohmann::json meta(metadata);
  meta[std::string(kChecksumKey)] = fmt::format("{:08x}", crc);
  header["__metadata__"] = std::move(meta);

  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    fail<RuntimeError>("writing {}: a tensor name or metadata string is not UTF-8 ({})",
                       path.string(), e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // the data section starts 8-byte aligned
  const uint64_t length = text.size();
  unsigned char length_bytes[8];
  for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<unsigned char>(length >> (8 * i));

  write_file_atomically(path, [&](AtomicWriter& out) {
    out.write(length_bytes, sizeof length_bytes);
    out.write(text);
    for (const TensorData& t : tensors) out.write(t.data, byte_size(t, path));
  });
}

}  // namespace longnet::safetensors
