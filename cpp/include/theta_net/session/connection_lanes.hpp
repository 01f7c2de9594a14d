// The protocol state of one transport connection: a LaneWriter and a LaneReader per lane, and the
// negotiated minor version and compression. It turns messages into frames on the right lane and
// frames back into messages; SessionHost and SessionClient own one per connection. No I/O: frames
// go to a TransmitQueue that the driver empties into the endpoint.
// It counts messages and body bytes per message type each way, always (release builds too): a
// fixed array indexed by type id, bumped where messages are queued and where frames are read, so
// a dashboard can say which messages a connection's bytes went to (as Unity's Network Profiler
// does).
#pragma once

#include <array>
#include <cstdint>
#include <variant>
#include <vector>

#include "theta_net/protocol/lane_codec.hpp"
#include "theta_net/session/transmit.hpp"
#include "theta_net/transport/event.hpp"

namespace theta_net::session {

// Messages and body bytes (msgpack, before batching and compression) of one message type: the
// same four counters, with the same names, as a lane's.
using MessageTypeStats = transport::LaneStats;

// One slot per protocol::MessageType id (ids start at 1; slot 0 stays empty).
inline constexpr std::size_t kMessageTypeSlots = std::variant_size_v<protocol::AnyMessage> + 1;
using MessageTypeCounters = std::array<MessageTypeStats, kMessageTypeSlots>;

class ConnectionLanes {
 public:
  ConnectionLanes();

  // After the handshake: encode for `minor`, compress large reliable frames if negotiated.
  void negotiate(std::uint16_t minor, bool compression);

  // Queues a message on its lane's writer.
  // Errors: those of LaneWriter::add: kInvalidArgument (the message belongs to no lane this
  // writer has), kLimitExceeded (larger than a frame of its lane), and encode_body's for a
  // message that breaks its schema's limits.
  Status queue(const protocol::AnyMessage& message);
  // The same for a message encoded earlier.
  // Errors: those of LaneWriter::add_encoded, and kInvalidArgument (an unknown message type).
  Status queue_encoded(protocol::EncodedMessage message);
  // Moves every pending frame, lane by lane, to `out` for `conn`.
  void flush(TransmitQueue& out, transport::ConnectionId conn);
  // The messages of one transport message.
  // Errors: those of LaneReader::read (kRejected for a duplicate or stale datagram frame, which
  // callers drop; anything else is a protocol violation).
  Result<std::vector<protocol::AnyMessage>> receive(protocol::LaneId lane, ByteSpan frame);

  const protocol::LaneReaderStats& reader_stats(protocol::LaneId lane) const;
  // Messages queued and read per type since the connection began (slot = type id).
  const MessageTypeCounters& message_counters() const { return by_type_; }
  std::uint16_t minor() const { return minor_; }

 private:
  MessageTypeCounters by_type_{};
  std::vector<protocol::LaneWriter> writers_;  // indexed by lane id
  std::vector<protocol::LaneReader> readers_;
  std::uint16_t minor_ = protocol::kProtocolMinor;
};

}  // namespace theta_net::session
