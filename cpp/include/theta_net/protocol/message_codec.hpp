// Message bodies: each message is a msgpack array of its fields in schema order
// (docs/protocol.md). Encoding validates what decoding would check (lengths, counts, enum values),
// so theta_net never sends what a peer must refuse. Decoding is a border: it checks every type,
// range and limit and returns the whole message or an error naming the field, never part of one.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::protocol {

// Appends the body of `message` as a peer at protocol minor `minor` expects it: fields newer than
// `minor` are left out (they are at the end and optional or defaulted, by the schema's rules).
template <class M>
Status encode_body(const M& message, Bytes& out, std::uint16_t minor = kProtocolMinor);
Status encode_body(const AnyMessage& message, Bytes& out, std::uint16_t minor = kProtocolMinor);

// Decodes a complete body; trailing bytes after the array are an error.
template <class M>
Result<M> decode_body(ByteSpan body);
Result<AnyMessage> decode_body(MessageType type, ByteSpan body);

MessageType type_of(const AnyMessage& message);
std::string_view message_name(MessageType type);
std::optional<MessageType> message_type_from_id(std::uint16_t id);
std::optional<MessageType> message_type_from_name(std::string_view name);
LaneId lane_of(MessageType type);
std::uint16_t since_minor_of(MessageType type);

}  // namespace theta_net::protocol
