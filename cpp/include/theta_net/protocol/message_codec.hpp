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
// On an error `out` is left as it was.
// Errors: kInvalidArgument (a message newer than `minor`, an enum field holding no value of its
// enum, a NaN or infinite float, text that is not valid UTF-8), kLimitExceeded (a text, bytes,
// list or map over its schema limit).
template <class M>
Status encode_body(const M& message, Bytes& out, std::uint16_t minor = kProtocolMinor);
Status encode_body(const AnyMessage& message, Bytes& out, std::uint16_t minor = kProtocolMinor);

// Decodes a complete body; trailing bytes after the array are an error.
// Errors: kCorrupt (a value of the wrong type or the reserved tag 0xc1, a missing field, text
// that is not valid UTF-8, fixed-size bytes that are too short, a repeated map key, bytes after
// the message), kTruncated (the body ends inside a value), kLimitExceeded (a text, bytes, list
// or map over its schema limit, fixed-size bytes that are too long, more than 65,536 fields, or
// unknown fields nested too deep to skip), kOutOfRange (an integer outside its field's range,
// an unknown enum value, a float that is not finite in the field's type).
template <class M>
Result<M> decode_body(ByteSpan body);
// The same for a message of `type`.
// Errors: kOutOfRange (`type` is no message type), and those of decode_body<M>.
Result<AnyMessage> decode_body(MessageType type, ByteSpan body);

MessageType type_of(const AnyMessage& message);
std::string_view message_name(MessageType type);
std::optional<MessageType> message_type_from_id(std::uint16_t id);
std::optional<MessageType> message_type_from_name(std::string_view name);
LaneId lane_of(MessageType type);
std::uint16_t since_minor_of(MessageType type);

}  // namespace theta_net::protocol
