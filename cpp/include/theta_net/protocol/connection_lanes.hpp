// The protocol state of one transport connection: a LaneWriter and a LaneReader per lane, and the
// negotiated minor version and compression. It turns messages into frames on the right lane of a
// transport Endpoint and frames back into messages; SessionHost and SessionClient own one per
// connection.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "theta_net/protocol/lane_codec.hpp"
#include "theta_net/transport/endpoint.hpp"

namespace theta_net::protocol {

inline constexpr std::size_t kLaneCount = 8;

class ConnectionLanes {
 public:
  ConnectionLanes();

  // After the handshake: encode for `minor`, compress large reliable frames if negotiated.
  void negotiate(std::uint16_t minor, bool compression);

  Status queue(const AnyMessage& message);
  Status queue_encoded(EncodedMessage message);
  // Hands every pending frame to the endpoint on its lane.
  Status flush(transport::Endpoint& endpoint, transport::ConnectionId conn);
  // Frames of one transport message (errors as LaneReader::read).
  Result<std::vector<AnyMessage>> receive(LaneId lane, ByteSpan frame);

  const LaneReaderStats& reader_stats(LaneId lane) const;
  std::uint16_t minor() const { return minor_; }

 private:
  std::vector<LaneWriter> writers_;  // indexed by lane id
  std::vector<LaneReader> readers_;
  std::uint16_t minor_ = kProtocolMinor;
};

}  // namespace theta_net::protocol
