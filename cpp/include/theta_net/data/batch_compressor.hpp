// BatchCompressor: zstd for DataBatch payloads, with an optional trained dictionary (seeds
// 000/001/004: dictionaries trained from recorded delta batches). Decompression is a border: the
// declared raw size is bounded before anything is allocated and must match what zstd produces.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::data {

inline constexpr std::size_t kMaxRawBatchBytes = 8u << 20;

class BatchCompressor {
 public:
  BatchCompressor();  // no dictionary
  ~BatchCompressor();
  BatchCompressor(BatchCompressor&&) noexcept;
  BatchCompressor& operator=(BatchCompressor&&) noexcept;

  // Loads a dictionary (empty bytes: none); its id is SipHash-2-4 (zero key) of its bytes.
  // Errors: kCorrupt (bytes zstd does not take as a dictionary), kLimitExceeded (over 1 MiB).
  Status set_dictionary(Bytes dictionary);
  std::uint64_t dictionary_id() const { return dictionary_id_; }  // 0 = none
  const Bytes& dictionary() const { return dictionary_; }

  // One zstd frame declaring its size (with the dictionary when asked and one is loaded); empty
  // when zstd fails (out of memory): the caller then sends the payload plain. Not thread-safe:
  // calls share one zstd context.
  Bytes compress(ByteSpan raw, bool use_dictionary, int level = 3) const;
  // Errors: kLimitExceeded (raw_bytes over kMaxRawBatchBytes), kState (use_dictionary without
  // one loaded), kCorrupt (a frame zstd refuses, or one whose size is not raw_bytes).
  Result<Bytes> decompress(ByteSpan packed, std::size_t raw_bytes, bool use_dictionary) const;

  // Trains a dictionary of about `size` bytes from sample payloads (recorded batches); samples
  // under 16 bytes are left out. The same samples give the same dictionary.
  // Errors: kInvalidArgument (fewer than 8 samples of 16 bytes or more, a size outside 256 bytes..1
  // MiB, or zstd's trainer refuses them: the message gives its reason).
  static Result<Bytes> train(const std::vector<Bytes>& samples, std::size_t size = 16 * 1024);

 private:
  struct Contexts;
  std::unique_ptr<Contexts> contexts_;
  Bytes dictionary_;
  std::uint64_t dictionary_id_ = 0;
};

}  // namespace theta_net::data
