// RecordLink: theta_net's own framing of a connection on a byte stream, for native clients over
// TCP (stream_link.hpp says what every link does). Each side first sends the preface
// "theta/1\n"; then records, each a LEB128 length followed by that many bytes: a kind byte and
// a body. Kinds 0..7 are the lanes (lane.hpp) and the body is one message; 0xF0 ping and 0xF1
// pong carry an 8-byte token; 0xFF close carries a varint application code and a UTF-8 reason
// of at most 1,024 bytes.
#pragma once

#include <string_view>

#include "theta_net/transport/stream_framing.hpp"
#include "theta_net/transport/stream_link.hpp"

namespace theta_net::transport {

inline constexpr std::string_view kRecordPreface = "theta/1\n";

// Record kinds past the lanes.
enum class RecordKind : std::uint8_t { kPing = 0xF0, kPong = 0xF1, kClose = 0xFF };

class RecordLink final : public StreamLink {
 public:
  // The client queues its preface at once; the server answers with its own when the client's
  // first bytes arrive, so a server that tells records from WebSocket by the first bytes
  // (StreamFraming::kDetect) has said nothing before it knows.
  RecordLink(Role role, StreamLinkConfig config, std::chrono::nanoseconds now);

  void receive(ByteSpan bytes, std::chrono::nanoseconds now) override;

 private:
  void write_message(Lane lane, ByteSpan message) override;
  void write_ping(std::uint64_t token) override;
  void write_close(std::uint64_t code, std::string_view reason) override;
  void write_refusal(CloseCode code, std::string_view reason) override;
  void write_preface();
  void write_record(std::uint8_t kind, ByteSpan body);
  void handle_record(ByteSpan record, std::chrono::nanoseconds now);

  std::size_t preface_seen_ = 0;  // preface bytes received so far
  bool preface_sent_ = false;
  StreamDeframer deframer_;
};

}  // namespace theta_net::transport
