// Fuzzes the wire protocol's border: frames (envelope, CRC, zstd, batches), message bodies of
// every type, and the per-lane readers. Whatever the input, decoding must fail cleanly or give
// messages that re-encode and decode to the same thing.
//   byte 0 = 0: the rest is a frame (read_frame + read_frame_messages, then LaneReaders)
//   byte 0 = 1: byte 1 is a message type, the rest a body (decode_body)
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "theta_net/protocol/frame_messages.hpp"
#include "theta_net/protocol/lane_codec.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::protocol;

void check_round_trip(const AnyMessage& message) {
  Bytes body;
  if (!encode_body(message, body).ok()) std::abort();  // a decoded message must re-encode
  auto again = decode_body(type_of(message), body);
  if (!again.ok() || !(*again == message)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const ByteSpan rest(data + 1, size - 1);
  FrameLimits limits;
  limits.max_body = 1u << 20;
  limits.max_decompressed = 1u << 20;
  if (data[0] % 2 == 0) {
    auto frame = read_frame(rest, kProtocolMajor, limits);
    if (frame.ok()) {
      auto messages = read_frame_messages(*frame, limits);
      if (messages.ok()) {
        for (const AnyMessage& m : *messages) check_round_trip(m);
      }
    }
    // The same bytes through a reliable and a datagram lane reader, twice (the second is a replay).
    for (LaneId lane : {LaneId::kChunks, LaneId::kInput}) {
      LaneReader reader(lane, limits);
      auto first = reader.read(rest);
      auto second = reader.read(rest);
      if (first.ok() && second.ok()) std::abort();  // a replay must never be accepted
    }
  } else if (size >= 2) {
    const auto type = message_type_from_id(data[1]);
    if (!type) return 0;
    auto message = decode_body(*type, ByteSpan(data + 2, size - 2));
    if (message.ok()) check_round_trip(*message);
  }
  return 0;
}
