#pragma once
// CRC-32C (Castagnoli), the checksum of iSCSI and ext4, used to detect corrupt files.
// Chainable: crc32c(b, crc32c(a)) == crc32c(a followed by b).
#include <cstddef>
#include <cstdint>

namespace longnet {

uint32_t crc32c(const void* data, size_t size, uint32_t previous = 0);

}  // namespace longnet
