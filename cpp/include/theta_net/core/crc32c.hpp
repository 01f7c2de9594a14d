// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as in iSCSI (RFC 3720) and ext4.
// It checks every frame and chunk blob. x86-64 CPUs with SSE4.2 compute it in hardware; other
// CPUs use a slicing-by-8 table. Both give the same value (tested).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace theta_net {

// CRC32C of `data`, continuing from the CRC `crc` of the bytes before it (0 to start), so
// crc32c(b, crc32c(a)) == crc32c(a + b).
std::uint32_t crc32c(std::span<const std::uint8_t> data, std::uint32_t crc = 0);
std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);

// The portable table implementation, exposed for tests and the benchmark.
std::uint32_t crc32c_portable(const void* data, std::size_t size, std::uint32_t crc = 0);

// True when crc32c() uses the CPU's CRC32 instruction.
bool crc32c_hardware_accelerated();

}  // namespace theta_net
