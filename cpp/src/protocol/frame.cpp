#include "theta_net/protocol/frame.hpp"

#include <zstd.h>

#include "theta_net/core/crc32c.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::protocol {

std::size_t frame_overhead(std::uint16_t type, std::uint32_t sequence, std::size_t body_size) {
  return kFrameMagic.size() + 2 + varint_size(type) + varint_size(sequence) +
         varint_size(body_size) + kFrameCrcBytes;
}

void write_frame(const FrameHeader& header, ByteSpan body, Bytes& out) {
  const std::size_t start = out.size();
  out.reserve(start + frame_overhead(header.type, header.sequence, body.size()) + body.size());
  ByteWriter w(out);
  w.bytes(kFrameMagic);
  w.u8(header.version);
  w.u8(header.flags);
  write_varint(w, header.type);
  write_varint(w, header.sequence);
  write_varint(w, body.size());
  w.bytes(body);
  w.u32le(crc32c(out.data() + start, out.size() - start));
}

std::optional<Bytes> compress_body(ByteSpan body, int level) {
  Bytes out(ZSTD_compressBound(body.size()));
  const std::size_t n = ZSTD_compress(out.data(), out.size(), body.data(), body.size(), level);
  if (ZSTD_isError(n) || n >= body.size()) return std::nullopt;
  out.resize(n);
  return out;
}

namespace {

Result<Bytes> decompress_body(ByteSpan body, const FrameLimits& limits) {
  const std::size_t compressed = ZSTD_findFrameCompressedSize(body.data(), body.size());
  if (ZSTD_isError(compressed) || compressed != body.size()) {
    return make_error(ErrorCode::kCorrupt, "compressed frame body is not exactly one zstd frame");
  }
  const unsigned long long declared = ZSTD_getFrameContentSize(body.data(), body.size());
  if (declared == ZSTD_CONTENTSIZE_UNKNOWN || declared == ZSTD_CONTENTSIZE_ERROR) {
    return make_error(ErrorCode::kCorrupt, "compressed frame body does not declare its size");
  }
  if (declared > limits.max_decompressed) {
    return make_error(ErrorCode::kLimitExceeded, "compressed frame body declares ", declared,
                      " bytes, over the limit of ", limits.max_decompressed);
  }
  Bytes out(static_cast<std::size_t>(declared));
  const std::size_t n = ZSTD_decompress(out.data(), out.size(), body.data(), body.size());
  if (ZSTD_isError(n) || n != out.size()) {
    return make_error(ErrorCode::kCorrupt,
                      "compressed frame body does not decompress to its declared ", declared,
                      " bytes");
  }
  return out;
}

}  // namespace

Result<Frame> read_frame(ByteSpan data, std::uint8_t expected_version, const FrameLimits& limits) {
  ByteReader r(data);
  THETA_TRY_ASSIGN(ByteSpan magic, r.bytes(2, "frame magic"));
  if (magic[0] != kFrameMagic[0] || magic[1] != kFrameMagic[1]) {
    return make_error(ErrorCode::kCorrupt, "not a theta frame: magic is ", unsigned{magic[0]}, " ",
                      unsigned{magic[1]}, ", expected 206 184");
  }
  Frame frame;
  THETA_TRY_ASSIGN(frame.header.version, r.u8("frame version"));
  if (frame.header.version != expected_version) {
    return make_error(ErrorCode::kUnsupportedVersion, "frame of protocol major version ",
                      unsigned{frame.header.version}, ", this peer speaks ",
                      unsigned{expected_version});
  }
  THETA_TRY_ASSIGN(frame.header.flags, r.u8("frame flags"));
  if (frame.header.flags & ~frame_flags::kKnown) {
    return make_error(ErrorCode::kCorrupt, "frame flags ", unsigned{frame.header.flags},
                      " set unknown bits");
  }
  THETA_TRY_ASSIGN(std::uint64_t type, read_varint(r, "frame type"));
  THETA_TRY_ASSIGN(std::uint64_t sequence, read_varint(r, "frame sequence"));
  THETA_TRY_ASSIGN(std::uint64_t length, read_varint(r, "frame length"));
  if (type > 0xffff)
    return make_error(ErrorCode::kOutOfRange, "frame type ", type, " is over 65535");
  if (sequence > 0xffffffffu) {
    return make_error(ErrorCode::kOutOfRange, "frame sequence ", sequence, " is over 2^32-1");
  }
  const bool batch = (frame.header.flags & frame_flags::kBatch) != 0;
  if (batch != (type == kBatchType)) {
    return make_error(ErrorCode::kCorrupt, "frame type ", type, " contradicts the batch flag");
  }
  if (length > limits.max_body) {
    return make_error(ErrorCode::kLimitExceeded, "frame body of ", length,
                      " bytes is over the limit of ", limits.max_body);
  }
  if (r.remaining() != length + kFrameCrcBytes) {
    return make_error(ErrorCode::kCorrupt, "frame declares a ", length, "-byte body but ",
                      r.remaining(), " bytes follow its header (expected ", length + kFrameCrcBytes,
                      ")");
  }
  THETA_TRY_ASSIGN(ByteSpan body, r.bytes(length, "frame body"));
  const std::size_t covered = r.offset();
  THETA_TRY_ASSIGN(std::uint32_t crc, r.u32le("frame crc32c"));
  const std::uint32_t actual = crc32c(data.data(), covered);
  if (crc != actual) {
    return make_error(ErrorCode::kChecksumMismatch, "frame CRC32C is ", crc, ", the bytes give ",
                      actual);
  }
  frame.header.type = static_cast<std::uint16_t>(type);
  frame.header.sequence = static_cast<std::uint32_t>(sequence);
  frame.wire_body = body;
  if (frame.header.flags & frame_flags::kCompressed) {
    THETA_TRY_ASSIGN(frame.decompressed, decompress_body(body, limits));
  }
  return frame;
}

}  // namespace theta_net::protocol
