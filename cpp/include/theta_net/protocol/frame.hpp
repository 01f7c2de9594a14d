// The frame: one envelope for every lane (docs/protocol.md, "Frames").
//
//   magic        2 bytes  0xCE 0xB8 ("θ" in UTF-8)
//   version      1 byte   protocol major version
//   flags        1 byte   bit 0 compressed (zstd), bit 1 batch; other bits must be 0
//   type         varint   message type, or 0 for a batch
//   sequence     varint   per-lane frame sequence number (u32)
//   length       varint   body length in bytes
//   body         length bytes
//   crc32c       4 bytes  little-endian CRC32C of everything before it
//
// A batch body is: varint count, then count x (varint type, varint length, msgpack body).
// A compressed body is one zstd frame whose header declares the decompressed size.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::protocol {

inline constexpr std::array<std::uint8_t, 2> kFrameMagic = {0xCE, 0xB8};
inline constexpr std::uint16_t kBatchType = 0;
inline constexpr std::size_t kFrameCrcBytes = 4;
// The largest frame on a datagram lane: QUIC datagram payloads stay within 1,150 bytes (larger
// ones stall ngtcp2 0.12) and the transport spends one byte on the lane id.
inline constexpr std::size_t kMaxDatagramFrameBytes = 1149;

namespace frame_flags {
inline constexpr std::uint8_t kCompressed = 1;
inline constexpr std::uint8_t kBatch = 2;
inline constexpr std::uint8_t kKnown = kCompressed | kBatch;
}  // namespace frame_flags

struct FrameLimits {
  std::size_t max_body = 16u << 20;          // bytes on the wire
  std::size_t max_decompressed = 16u << 20;  // bytes after zstd: the bound on a decompression bomb
  std::size_t max_batch_messages = 4096;
};

struct FrameHeader {
  std::uint8_t version = 0;
  std::uint8_t flags = 0;
  std::uint16_t type = 0;
  std::uint32_t sequence = 0;
};

// A parsed frame. body() views the caller's bytes (no copy) unless the frame was compressed, in
// which case it views the frame's own decompressed copy: keep the input alive while using it.
struct Frame {
  FrameHeader header;
  ByteSpan wire_body;
  Bytes decompressed;

  ByteSpan body() const {
    return (header.flags & frame_flags::kCompressed) ? ByteSpan(decompressed) : wire_body;
  }
};

// Bytes a frame adds around a body of `body_size` bytes.
std::size_t frame_overhead(std::uint16_t type, std::uint32_t sequence, std::size_t body_size);

// Appends a frame holding `body` as given (compression is the caller's choice, see compress_body).
void write_frame(const FrameHeader& header, ByteSpan body, Bytes& out);

// Parses exactly one frame filling all of `data`: checks magic, version, flags, lengths and CRC,
// and decompresses a compressed body within the limits.
// Errors: kTruncated (the data ends inside the header), kCorrupt (a bad magic, unknown flag
// bits, a type that contradicts the batch flag, a length that disagrees with the bytes after the
// header, a non-canonical varint, a compressed body that is not one zstd frame declaring its
// size or does not decompress to it), kUnsupportedVersion (a version other than
// expected_version), kOverflow (a varint over 64 bits), kOutOfRange (a type over 65535 or a
// sequence over 2^32-1), kLimitExceeded (a body over max_body, or one declaring more than
// max_decompressed bytes), kChecksumMismatch (the CRC32C does not match).
Result<Frame> read_frame(ByteSpan data, std::uint8_t expected_version, const FrameLimits& limits);

// zstd at `level`; returns nothing when compression would not make the body smaller.
std::optional<Bytes> compress_body(ByteSpan body, int level);

}  // namespace theta_net::protocol
