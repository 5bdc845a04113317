#include "data/shard.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cstring>

#include "common/error.h"
#include "common/hash.h"

namespace longnet::data {

static_assert(std::endian::native == std::endian::little, "shards are read by mapping them");

namespace {

constexpr char kMagic[8] = {'L', 'N', 'S', 'H', 'A', 'R', 'D', '\0'};

uint64_t combine_checksum(ShardHeader header, uint64_t body_hash) {
  header.checksum = 0;
  Hash64 h;
  h.update(&header, sizeof header);
  h.update_value(body_hash);
  return h.digest();
}

}  // namespace

ShardWriter::ShardWriter(const std::filesystem::path& path, uint32_t vocab_size,
                         uint64_t tokenizer_checksum)
    : file_(path) {
  std::memcpy(header_.magic, kMagic, sizeof kMagic);
  header_.format_version = kShardFormatVersion;
  header_.token_bytes = vocab_size <= 65536 ? 2 : 4;
  header_.vocab_size = vocab_size;
  header_.tokenizer_checksum = tokenizer_checksum;
  file_.write(&header_, sizeof header_);  // a placeholder until commit()
}

void ShardWriter::add_document(std::span<const uint32_t> tokens) {
  buffer_.resize(tokens.size() * header_.token_bytes);
  if (header_.token_bytes == 2) {
    auto* out = reinterpret_cast<uint16_t*>(buffer_.data());
    for (size_t i = 0; i < tokens.size(); ++i) out[i] = static_cast<uint16_t>(tokens[i]);
  } else {
    std::memcpy(buffer_.data(), tokens.data(), buffer_.size());
  }
  for (uint32_t t : tokens) {
    if (t >= header_.vocab_size) {
      fail<RuntimeError>("token id {} is outside the vocabulary of {}", t, header_.vocab_size);
    }
  }
  file_.write(buffer_.data(), buffer_.size());
  body_hash_.update(buffer_.data(), buffer_.size());
  header_.token_count += tokens.size();
  offsets_.push_back(header_.token_count);
}

uint64_t ShardWriter::commit() {
  const size_t offset_bytes = offsets_.size() * sizeof(uint64_t);
  file_.write(offsets_.data(), offset_bytes);
  body_hash_.update(offsets_.data(), offset_bytes);
  header_.document_count = offsets_.size() - 1;
  header_.checksum = combine_checksum(header_, body_hash_.digest());
  file_.seek(0);
  file_.write(&header_, sizeof header_);
  file_.commit();
  return header_.checksum;
}

struct Shard::Mapping {
  void* address = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (address) munmap(address, size);
  }
};

Shard Shard::open(const std::filesystem::path& path, std::optional<uint64_t> expected_tokenizer) {
  const std::string name = path.string();
  const std::string remedy = "delete it and run `longnet prepare` again";
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) fail<RuntimeError>("cannot open the shard {}: {}", name, std::strerror(errno));
  struct stat info {};
  fstat(fd, &info);
  auto mapping = std::make_shared<Mapping>();
  mapping->size = size_t(info.st_size);
  if (mapping->size >= sizeof(ShardHeader)) {
    mapping->address = mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping->address == MAP_FAILED) mapping->address = nullptr;
  }
  ::close(fd);
  if (mapping->size < sizeof(ShardHeader)) {
    fail<RuntimeError>("{} is not a token shard: {} bytes, shorter than a header; {}", name,
                       mapping->size, remedy);
  }
  if (!mapping->address) fail<RuntimeError>("cannot map the shard {} into memory", name);

  Shard shard;
  const auto* bytes = static_cast<const uint8_t*>(mapping->address);
  shard.header_ = reinterpret_cast<const ShardHeader*>(bytes);
  const ShardHeader& h = *shard.header_;
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) {
    fail<RuntimeError>("{} is not a token shard (wrong magic bytes); {}", name, remedy);
  }
  if (h.format_version != kShardFormatVersion) {
    fail<RuntimeError>("{} has shard format version {}, this longnet reads version {}; {}", name,
                       h.format_version, kShardFormatVersion, remedy);
  }
  if (h.token_bytes != 2 && h.token_bytes != 4) {
    fail<RuntimeError>("{} is corrupt: {} bytes per token; {}", name, h.token_bytes, remedy);
  }
  const unsigned __int128 expected_size = sizeof(ShardHeader) +
                                          (unsigned __int128)h.token_count * h.token_bytes +
                                          ((unsigned __int128)h.document_count + 1) * 8;
  if (expected_size != mapping->size) {
    fail<RuntimeError>("{} is truncated or corrupt: its header describes {} bytes, the file has "
                       "{}; {}",
                       name, uint64_t(expected_size), mapping->size, remedy);
  }
  Hash64 body;
  body.update(bytes + sizeof(ShardHeader), mapping->size - sizeof(ShardHeader));
  if (combine_checksum(h, body.digest()) != h.checksum) {
    fail<RuntimeError>("{} is corrupt: its checksum does not match its contents; {}", name, remedy);
  }
  if (expected_tokenizer && *expected_tokenizer != h.tokenizer_checksum) {
    fail<RuntimeError>("{} was encoded by another tokenizer (checksum {}, this one is {}): use the "
                       "tokenizer.model from the shard's own folder, or run `longnet prepare` "
                       "again to re-encode",
                       name, hex64(h.tokenizer_checksum), hex64(*expected_tokenizer));
  }
  shard.tokens_ = bytes + sizeof(ShardHeader);
  shard.offsets_ = reinterpret_cast<const uint64_t*>(shard.tokens_ + h.token_count * h.token_bytes);
  shard.mapping_ = std::move(mapping);
  return shard;
}

uint32_t Shard::token(uint64_t index) const {
  if (index >= token_count()) fail<RuntimeError>("token {} is past the shard's {} tokens", index, token_count());
  if (header_->token_bytes == 2) {
    uint16_t t;
    std::memcpy(&t, tokens_ + index * 2, 2);
    return t;
  }
  uint32_t t;
  std::memcpy(&t, tokens_ + index * 4, 4);
  return t;
}

void Shard::read_tokens(uint64_t begin, std::span<uint32_t> out) const {
  if (begin + out.size() > token_count()) {
    fail<RuntimeError>("tokens [{}, {}) are past the shard's {} tokens", begin, begin + out.size(),
                       token_count());
  }
  if (header_->token_bytes == 4) {
    std::memcpy(out.data(), tokens_ + begin * 4, out.size() * 4);
    return;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    uint16_t t;
    std::memcpy(&t, tokens_ + (begin + i) * 2, 2);
    out[i] = t;
  }
}

std::pair<uint64_t, uint64_t> Shard::document(uint64_t index) const {
  if (index >= document_count()) {
    fail<RuntimeError>("document {} is past the shard's {} documents", index, document_count());
  }
  uint64_t range[2];
  std::memcpy(range, offsets_ + index, sizeof range);
  return {range[0], range[1]};
}

std::vector<uint32_t> Shard::document_tokens(uint64_t index) const {
  const auto [first, last] = document(index);
  std::vector<uint32_t> tokens(last - first);
  read_tokens(first, tokens);
  return tokens;
}

}  // namespace longnet::data
