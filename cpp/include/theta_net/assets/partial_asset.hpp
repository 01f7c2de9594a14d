// An asset cut into chunks (AssetShape), and the two ends of moving one: AssetSource reads the
// chunks of a stored asset; PartialAsset takes them in, in any order, into a hidden file of the
// store, and commits the asset only once its SHA-256 is the one announced.
//
// PartialAsset hashes the chunks as they become contiguous from the start, so the hash is done
// when the last chunk lands and verified_bytes() is what a resumed transfer need not send again.
// A chunk out of order is written at its offset and hashed (read back) once the ones before it
// arrive. missing() names the holes a receiver asks for again (NackRequest). A PartialAsset that
// is dropped without commit() removes its file and gives back its reservation in the store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "theta_net/assets/asset_store.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/core/sha256.hpp"

namespace theta_net::assets {

// Chunks of at least this many bytes: bounds the chunk count (and a receiver's bitmap).
inline constexpr std::uint32_t kMinChunkSize = 1024;
// And at most: a chunk and its message fit the wire's bytes limit (1 MiB).
inline constexpr std::uint32_t kMaxChunkSize = 1u << 20;

struct AssetShape {
  Sha256Digest sha256{};
  std::uint64_t size = 0;
  std::uint32_t chunk_size = 0;

  // (Written so that no size, however large, wraps around.)
  std::uint64_t chunk_count_wide() const {
    return size / chunk_size + (size % chunk_size != 0 ? 1 : 0);
  }
  std::uint32_t chunk_count() const { return static_cast<std::uint32_t>(chunk_count_wide()); }
  std::uint64_t chunk_offset(std::uint32_t index) const {
    return std::uint64_t{index} * chunk_size;
  }
  // The size of chunk `index`: chunk_size but for the last.
  std::uint32_t chunk_bytes(std::uint32_t index) const;
  // Errors: kInvalidArgument (a chunk size outside [kMinChunkSize, kMaxChunkSize], or more than
  // 2^32 - 1 chunks).
  Status check() const;
};

// Reads the chunks of an asset in the store.
class AssetSource {
 public:
  // Errors: kInvalidArgument (no such asset in the store, or AssetShape::check), kIo.
  static Result<AssetSource> open(const AssetStore& store, std::string_view name,
                                  std::uint32_t chunk_size);
  AssetSource(AssetSource&&) noexcept;
  AssetSource& operator=(AssetSource&&) noexcept;
  ~AssetSource();

  const AssetShape& shape() const { return shape_; }
  const std::string& name() const { return name_; }
  // Errors: kInvalidArgument (no such chunk), kIo (the file is shorter than it was or unreadable).
  Result<Bytes> read_chunk(std::uint32_t index) const;

 private:
  AssetSource() = default;
  AssetShape shape_;
  std::string name_;
  int fd_ = -1;
};

class PartialAsset {
 public:
  // Reserves the asset's size in the store and creates its hidden file.
  // Errors: kInvalidArgument (AssetShape::check), kLimitExceeded (AssetStore::begin_partial),
  // kIo (the file cannot be created).
  static Result<PartialAsset> begin(AssetStore& store, const AssetShape& shape);
  PartialAsset(PartialAsset&&) noexcept;
  PartialAsset& operator=(PartialAsset&&) noexcept;
  ~PartialAsset();

  enum class Write : std::uint8_t { kWritten, kDuplicate };
  // One chunk at its offset. A chunk held already is a kDuplicate and not written again.
  // Errors: kInvalidArgument (an offset that is not a chunk's, or data of another size than that
  // chunk's), kIo (the file cannot be written or read back).
  Result<Write> write(std::uint64_t offset, ByteSpan data);

  const AssetShape& shape() const { return shape_; }
  // The bytes from the start that are written and hashed (a resume continues from here).
  std::uint64_t verified_bytes() const;
  std::uint32_t chunks_held() const { return held_count_; }
  bool complete() const { return held_count_ == shape_.chunk_count(); }
  // Up to `max` chunks not yet held, lowest first.
  std::vector<std::uint32_t> missing(std::size_t max) const;

  // Checks the SHA-256 and moves the file into the store; the PartialAsset is spent either way.
  // Errors: kState (not complete, or spent), kChecksumMismatch (another hash: nothing is stored,
  // the file is removed), kIo (AssetStore::adopt_partial).
  Result<std::string> commit();

 private:
  PartialAsset() = default;
  // Hashes the chunks that now follow the verified prefix (reading back those written early).
  // Errors: kIo (a chunk written early cannot be read back).
  Status advance(ByteSpan just_written, std::uint32_t index);
  void release();

  AssetStore* store_ = nullptr;
  AssetShape shape_;
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<bool> held_;
  std::uint32_t held_count_ = 0;
  std::uint32_t hashed_ = 0;  // chunks [0, hashed_) are in hash_
  bool broken_ = false;       // a read-back failed: the hash cannot be finished
  Sha256 hash_;
};

}  // namespace theta_net::assets
