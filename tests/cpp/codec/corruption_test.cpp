// The decoder is a border: truncated, corrupted and hostile blobs give a typed error that names
// the problem, never a crash, an out-of-range read, or an allocation beyond the declared dims.
#include <gtest/gtest.h>
#include <zstd.h>

#include <string>

#include "codec_test_data.hpp"
#include "theta_net/codec/chunk_codec.hpp"
#include "theta_net/core/crc32c.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::codec {
namespace {

constexpr ChunkMode kEveryMode[] = {ChunkMode::kUniform, ChunkMode::kRaw,  ChunkMode::kBitPacked,
                                    ChunkMode::kRuns,    ChunkMode::kFast, ChunkMode::kZstd,
                                    ChunkMode::kContext};

ChunkCodec only(ChunkMode mode) {
  ChunkCodecConfig config;
  config.modes = mode_bit(mode);
  return ChunkCodec::create(config).value();
}

std::uint32_t crc_of(const std::vector<std::uint16_t>& ids) {
  return crc32c(ids.data(), ids.size() * 2);
}

// A blob assembled by hand: header, then body bytes.
Bytes blob_of(ChunkMode mode, ChunkDims d, std::uint32_t crc, const Bytes& body,
              std::uint8_t version = kChunkFormatVersion) {
  Bytes out;
  ByteWriter w(out);
  w.u8(version);
  w.u8(static_cast<std::uint8_t>(mode));
  write_varint(w, d.y);
  write_varint(w, d.z);
  write_varint(w, d.x);
  w.u32le(crc);
  w.bytes(body);
  return out;
}

Bytes palette_body(std::initializer_list<std::uint64_t> ids) {
  Bytes out;
  ByteWriter w(out);
  write_varint(w, ids.size() - 1);
  for (auto id : ids) write_varint(w, id);
  return out;
}

Error decode_error(const Bytes& blob, const ChunkCodec& codec = ChunkCodec()) {
  auto decoded = codec.decode(blob);
  EXPECT_FALSE(decoded.ok()) << "decoded a bad blob";
  return decoded.ok() ? Error{} : decoded.error();
}

TEST(ChunkCorruption, HeaderProblemsAreNamed) {
  const std::vector<std::uint16_t> ids(8, 5);
  const Bytes good = ChunkCodec().encode(ids, {2, 2, 2}).value();

  Bytes bad = good;
  bad[0] = 9;
  Error e = decode_error(bad);
  EXPECT_EQ(e.code, ErrorCode::kUnsupportedVersion);
  EXPECT_NE(e.message.find("version 9"), std::string::npos) << e.message;

  bad = good;
  bad[1] = 7;
  EXPECT_EQ(decode_error(bad).code, ErrorCode::kCorrupt);

  for (ChunkDims d : {ChunkDims{0, 4, 4}, ChunkDims{513, 1, 1}, ChunkDims{512, 512, 8}}) {
    e = decode_error(blob_of(ChunkMode::kUniform, d, 0, {5}));
    EXPECT_EQ(e.code, ErrorCode::kLimitExceeded) << e.describe();
  }
  // A huge side as a long varint: refused by the dims check, not allocated.
  Bytes huge = {kChunkFormatVersion, 0, 0xFF, 0xFF, 0xFF, 0x0F, 1, 1, 0, 0, 0, 0, 5};
  EXPECT_EQ(decode_error(huge).code, ErrorCode::kLimitExceeded);

  for (std::size_t n = 0; n < good.size(); ++n)
    EXPECT_EQ(decode_error(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n))).code,
              ErrorCode::kTruncated)
        << n;

  bad = good;
  bad.push_back(0);
  e = decode_error(bad);
  EXPECT_EQ(e.code, ErrorCode::kCorrupt);
  EXPECT_NE(e.message.find("follow"), std::string::npos) << e.message;
}

TEST(ChunkCorruption, WrongCrcIsAChecksumMismatch) {
  const auto ids = testing::synthetic(kSectionDims, 6, 30, 1);
  for (ChunkMode m : kEveryMode) {
    if (m == ChunkMode::kUniform) continue;
    Bytes blob = only(m).encode(ids, kSectionDims).value();
    blob[5] ^= 0x40;  // inside the CRC (after version, mode and three 1-byte dims)
    EXPECT_EQ(decode_error(blob).code, ErrorCode::kChecksumMismatch) << chunk_mode_name(m);
  }
}

TEST(ChunkCorruption, PaletteProblemsAreNamed) {
  const ChunkDims d{1, 1, 4};
  const std::vector<std::uint16_t> ids = {7, 8, 9, 7};
  // Bit-packed: a palette of 3, index 3 in the second voxel.
  Bytes body = palette_body({7, 8, 9});
  body.push_back(0b00'10'11'00);
  Error e = decode_error(blob_of(ChunkMode::kBitPacked, d, crc_of(ids), body));
  EXPECT_EQ(e.code, ErrorCode::kOutOfRange);
  EXPECT_NE(e.message.find("index 3"), std::string::npos) << e.message;
  // Runs: index 5 of 3.
  body = palette_body({7, 8, 9});
  body.insert(body.end(), {1, 5, 3});
  EXPECT_EQ(decode_error(blob_of(ChunkMode::kRuns, d, crc_of(ids), body)).code,
            ErrorCode::kOutOfRange);
  // Runs covering too few or too many voxels, or repeating an index.
  for (Bytes runs : {Bytes{1, 0, 2}, Bytes{1, 0, 4}, Bytes{2, 0, 1, 0, 1}, Bytes{0}}) {
    body = palette_body({7, 8, 9});
    body.insert(body.end(), runs.begin(), runs.end());
    EXPECT_EQ(decode_error(blob_of(ChunkMode::kRuns, d, crc_of(ids), body)).code,
              ErrorCode::kCorrupt);
  }
  // Duplicate ids, ids over 16 bits, more entries than voxels or than the limit.
  body = palette_body({7, 8, 7});
  body.push_back(0);
  EXPECT_EQ(decode_error(blob_of(ChunkMode::kBitPacked, d, 0, body)).code, ErrorCode::kCorrupt);
  body = palette_body({7, 70000});
  EXPECT_EQ(decode_error(blob_of(ChunkMode::kBitPacked, d, 0, body)).code, ErrorCode::kOutOfRange);
  body = palette_body({1, 2, 3, 4, 5});
  EXPECT_EQ(decode_error(blob_of(ChunkMode::kBitPacked, d, 0, body)).code, ErrorCode::kCorrupt);
  Bytes big;
  ByteWriter w(big);
  write_varint(w, 5000);
  EXPECT_EQ(decode_error(blob_of(ChunkMode::kFast, {64, 64, 64}, 0, big)).code,
            ErrorCode::kLimitExceeded);
  // A uniform id over 16 bits.
  body.clear();
  ByteWriter u(body);
  write_varint(u, 65536);
  EXPECT_EQ(decode_error(blob_of(ChunkMode::kUniform, d, 0, body)).code, ErrorCode::kOutOfRange);
}

TEST(ChunkCorruption, ZstdFramesThatContradictTheDimsAreRefusedUnread) {
  const ChunkDims d{16, 16, 16};
  // A bomb: 8 MiB of zeros (more than any dims allow) compress to a few hundred bytes.
  const std::vector<std::uint8_t> zeros(8 << 20, 0);
  std::vector<std::uint8_t> frame(ZSTD_compressBound(zeros.size()));
  frame.resize(ZSTD_compress(frame.data(), frame.size(), zeros.data(), zeros.size(), 1));
  Bytes body = palette_body({1, 2});
  body.insert(body.end(), frame.begin(), frame.end());
  Error e = decode_error(blob_of(ChunkMode::kZstd, d, 0, body));
  EXPECT_EQ(e.code, ErrorCode::kCorrupt);
  EXPECT_NE(e.message.find("declares 8388608 bytes; the dims need 4096"), std::string::npos)
      << e.message;

  // A frame without a declared size (streamed).
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::vector<std::uint8_t> small(4096, 0), out(ZSTD_compressBound(4096));
  out.resize(ZSTD_compress2(cctx, out.data(), out.size(), small.data(), small.size()));
  ZSTD_freeCCtx(cctx);
  body = palette_body({1, 2});
  body.insert(body.end(), out.begin(), out.end());
  EXPECT_EQ(decode_error(blob_of(ChunkMode::kZstd, d, 0, body)).code, ErrorCode::kCorrupt);

  // Index bytes beyond the palette.
  std::vector<std::uint8_t> indices(4096, 0);
  indices[100] = 2;
  out.assign(ZSTD_compressBound(4096), 0);
  out.resize(ZSTD_compress(out.data(), out.size(), indices.data(), indices.size(), 3));
  body = palette_body({1, 2});
  body.insert(body.end(), out.begin(), out.end());
  EXPECT_EQ(decode_error(blob_of(ChunkMode::kZstd, d, 0, body)).code, ErrorCode::kOutOfRange);
}

TEST(ChunkCorruption, ZstdDictionaryMismatchIsNamed) {
  THETA_REQUIRE_CORPUS();
  const std::vector<std::uint16_t> samples(testing::corpus().begin(),
                                           testing::corpus().begin() + 100 * 4096);
  ChunkCodecConfig config;
  config.modes = mode_bit(ChunkMode::kZstd);
  config.zstd_dictionary = train_zstd_dictionary(samples, kSectionDims, 4096).value();
  const ChunkCodec with_dict = ChunkCodec::create(config).value();
  const auto ids = testing::corpus_section(1000);
  const Bytes blob = with_dict.encode(ids, kSectionDims).value();
  ASSERT_EQ(ChunkCodec::read_header(blob)->mode, ChunkMode::kZstd);
  EXPECT_EQ(with_dict.decode(blob).value().ids, ids);
  const Error e = decode_error(blob);
  EXPECT_NE(e.message.find("dictionary"), std::string::npos) << e.message;
}

// Every truncation of every mode's blob is an error; random corruptions are errors or, if they
// happen to decode, decode to the original ids (the CRC).
TEST(ChunkCorruption, TruncationsAndFlipsNeverCrash) {
  Rng rng(99);
  std::vector<std::pair<ChunkDims, std::vector<std::uint16_t>>> inputs = {
      {kSectionDims, testing::synthetic(kSectionDims, 9, 30, 3)},
      {{5, 7, 33}, testing::synthetic({5, 7, 33}, 300, 200, 4)},
  };
  if (testing::corpus_sections()) inputs.push_back({kSectionDims, testing::corpus_section(77)});
  for (const auto& [d, ids] : inputs)
    for (ChunkMode m : kEveryMode) {
      if (m == ChunkMode::kUniform) continue;
      const ChunkCodec codec = only(m);
      const Bytes good = codec.encode(ids, d).value();
      for (std::size_t n = 0; n < good.size(); n += 1 + good.size() / 97) {
        auto r = codec.decode(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)));
        EXPECT_FALSE(r.ok()) << chunk_mode_name(m) << " truncated to " << n;
      }
      for (int trial = 0; trial < 200; ++trial) {
        Bytes bad = good;
        const int flips = 1 + static_cast<int>(rng.uniform(3));
        for (int f = 0; f < flips; ++f) {
          const std::size_t at = rng.uniform(bad.size());
          if (rng.uniform(2)) {
            bad[at] ^= static_cast<std::uint8_t>(1u << rng.uniform(8));
          } else {
            bad[at] = static_cast<std::uint8_t>(rng.next_u32());
          }
        }
        auto r = codec.decode(bad);
        if (r.ok()) {
          EXPECT_EQ(r->ids, ids) << chunk_mode_name(m);
        }
      }
    }
}

}  // namespace
}  // namespace theta_net::codec
