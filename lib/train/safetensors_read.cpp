#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/crc32c.h"
#include "common/error.h"
#include "common/suggest.h"
#include "train/safetensors.h"

namespace longnet::safetensors {
namespace {

using nlohmann::json;

// Larger headers mean a corrupt length field (Python's reader has the same 100 MB limit).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

// Every complaint names the file and says what is wrong.
template <class... Args>
[[noreturn]] void corrupt(const std::filesystem::path& path, fmt::format_string<Args...> what,
                          Args&&... args) {
  fail<RuntimeError>("{}: not a valid safetensors file: {}", path.string(),
                     fmt::format(what, std::forward<Args>(args)...));
}

struct Entry {
  TensorView view;
  uint64_t begin, end;
};

Entry parse_entry(const std::filesystem::path& path, const std::string& name, const json& value) {
  if (!value.is_object() || value.size() != 3 || !value.contains("dtype") ||
      !value.contains("shape") || !value.contains("data_offsets"))
    corrupt(path, "entry '{}' must hold exactly dtype, shape and data_offsets", name);
  const json& dtype = value["dtype"];
  const std::optional<DType> parsed = dtype.is_string() ? parse_dtype(dtype.get<std::string>())
                                                        : std::nullopt;
  if (!parsed) corrupt(path, "tensor '{}' has unknown dtype {}", name, dtype.dump());

  Entry e{{name, *parsed, {}, {}}, 0, 0};
  unsigned __int128 bytes = dtype_size(*parsed);
  const json& shape = value["shape"];
  if (!shape.is_array()) corrupt(path, "tensor '{}' has a shape that is not a list", name);
  for (const json& d : shape) {
    if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
      corrupt(path, "tensor '{}' has a bad dimension {}", name, d.dump());
    e.view.shape.push_back(d.get<int64_t>());
    bytes *= d.get<uint64_t>();
    if (bytes > std::numeric_limits<uint64_t>::max()) corrupt(path, "tensor '{}' is too large", name);
  }
  const json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    corrupt(path, "tensor '{}' has data_offsets {} instead of [begin, end]", name, offsets.dump());
  e.begin = offsets[0].get<uint64_t>();
  e.end = offsets[1].get<uint64_t>();
  if (e.end < e.begin || e.end - e.begin != bytes)
    corrupt(path, "tensor '{}' spans bytes [{}, {}) but its dtype and shape need {} bytes", name,
            e.begin, e.end, uint64_t(bytes));
  return e;
}

Metadata parse_metadata(const std::filesystem::path& path, const json& value) {
  if (!value.is_object()) corrupt(path, "__metadata__ is not an object");
  Metadata metadata;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) corrupt(path, "__metadata__ value of '{}' is not a string", key);
    metadata[key] = item.get<std::string>();
  }
  return metadata;
}

// The tensors must tile the data section exactly: no gaps, no overlaps, nothing left over.
void check_layout(const std::filesystem::path& path, std::vector<Entry>& entries,
                  uint64_t data_size) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t covered = 0;
  const std::string* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.begin < covered)
      corrupt(path, "tensors '{}' and '{}' overlap", *previous, e.view.name);
    if (e.begin > covered)
      corrupt(path, "no tensor covers data bytes [{}, {}) before '{}'", covered, e.begin,
              e.view.name);
    covered = e.end;
    previous = &e.view.name;
  }
  if (covered > data_size)
    corrupt(path, "truncated: the header describes {} data bytes but the file holds {}", covered,
            data_size);
  if (covered < data_size)
    corrupt(path, "{} bytes after the last tensor's data", data_size - covered);
}

void verify_checksum(const std::filesystem::path& path, const Metadata& metadata,
                     std::span<const std::byte> data, Checksum policy) {
  const auto found = metadata.find(std::string(kChecksumKey));
  if (found == metadata.end()) {
    if (policy == Checksum::required)
      fail<RuntimeError>("{}: no '{}' checksum in __metadata__ (a file from another writer can be "
                         "opened without one)", path.string(), kChecksumKey);
    return;
  }
  const std::string& text = found->second;
  uint32_t expected = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), expected, 16);
  if (text.size() != 8 || error != std::errc() || end != text.data() + text.size())
    corrupt(path, "checksum '{}' is not 8 hex digits", text);
  const uint32_t actual = crc32c(data.data(), data.size());
  if (actual != expected)
    fail<RuntimeError>("{}: data checksum mismatch (crc32c {:08x}, header says {:08x}): the file "
                       "is corrupt", path.string(), actual, expected);
}

}  // namespace

File::File(const std::filesystem::path& path, Checksum checksum) : mapping_(path) {
  const std::span<const std::byte> bytes = mapping_.bytes();
  if (bytes.size() < 8)
    corrupt(path, "truncated: {} bytes, fewer than the 8-byte header length", bytes.size());
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | uint64_t(bytes[i]);
  if (header_size > kMaxHeaderBytes)
    corrupt(path, "header length {} is implausible (over {} bytes)", header_size, kMaxHeaderBytes);
  if (header_size > bytes.size() - 8)
    corrupt(path, "truncated: header length {} but only {} bytes follow", header_size,
            bytes.size() - 8);

  const auto* header_begin = reinterpret_cast<const char*>(bytes.data() + 8);
  json header;
  try {
    header = json::parse(header_begin, header_begin + header_size);
  } catch (const json::parse_error& e) {
    corrupt(path, "the JSON header does not parse ({})", e.what());
  }
  if (!header.is_object()) corrupt(path, "the JSON header is not an object");

  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__")
      metadata_ = parse_metadata(path, value);
    else
      entries.push_back(parse_entry(path, name, value));
  }
  const std::span<const std::byte> data = bytes.subspan(8 + header_size);
  check_layout(path, entries, data.size());
  verify_checksum(path, metadata_, data, checksum);

  for (Entry& e : entries) {
    e.view.bytes = data.subspan(e.begin, e.end - e.begin);
    tensors_.push_back(std::move(e.view));
  }
  std::sort(tensors_.begin(), tensors_.end(),
            [](const TensorView& a, const TensorView& b) { return a.name < b.name; });
}

const TensorView* File::find(std::string_view name) const {
  const auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                                   [](const TensorView& t, std::string_view n) { return t.name < n; });
  return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

const TensorView& File::at(std::string_view name) const {
  if (const TensorView* t = find(name)) return *t;
  std::vector<std::string> names;
  for (const TensorView& t : tensors_) names.push_back(t.name);
  const std::string guess = closest_match(name, names);
  fail<RuntimeError>("{}: no tensor named '{}'{}", path().string(), name,
                     guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess));
}

}  // namespace longnet::safetensors
