#include "theta_net/protocol/message_codec.hpp"

#include <array>
#include <utility>

#include "msgpack_codec.hpp"

namespace theta_net::protocol {
namespace {

struct MessageMeta {
  MessageType type;
  std::string_view name;
  LaneId lane;
  std::uint16_t since_minor;
};

template <std::size_t... I>
constexpr auto make_meta(std::index_sequence<I...>) {
  return std::array<MessageMeta, sizeof...(I)>{
      MessageMeta{std::variant_alternative_t<I, AnyMessage>::kType,
                  std::variant_alternative_t<I, AnyMessage>::kName,
                  std::variant_alternative_t<I, AnyMessage>::kLane,
                  std::variant_alternative_t<I, AnyMessage>::kSinceMinor}...};
}

constexpr auto kMeta = make_meta(std::make_index_sequence<std::variant_size_v<AnyMessage>>{});

const MessageMeta* find_meta(MessageType type) {
  for (const auto& m : kMeta) {
    if (m.type == type) return &m;
  }
  return nullptr;
}

template <std::size_t I = 0>
Result<AnyMessage> decode_as_index(MessageType type, ByteSpan body) {
  if constexpr (I == std::variant_size_v<AnyMessage>) {
    return make_error(ErrorCode::kOutOfRange, "unknown message type ", static_cast<unsigned>(type));
  } else {
    using M = std::variant_alternative_t<I, AnyMessage>;
    if (M::kType == type) {
      THETA_TRY_ASSIGN(M message, decode_body<M>(body));
      return AnyMessage(std::move(message));
    }
    return decode_as_index<I + 1>(type, body);
  }
}

}  // namespace

template <class M>
Status encode_body(const M& message, Bytes& out, std::uint16_t minor) {
  if (M::kSinceMinor > minor) {
    return make_error(ErrorCode::kInvalidArgument, M::kName, " does not exist in protocol ",
                      kProtocolMajor, ".", minor);
  }
  const std::size_t start = out.size();
  Status status = detail::Encoder(out, minor).message(message);
  if (!status.ok()) out.resize(start);  // never leave half a message in the buffer
  return status;
}

template <class M>
Result<M> decode_body(ByteSpan body) {
  return detail::Decoder(body).message<M>();
}

#define THETA_INSTANTIATE_CODEC(M)                                 \
  template Status encode_body<M>(const M&, Bytes&, std::uint16_t); \
  template Result<M> decode_body<M>(ByteSpan);
THETA_PROTOCOL_MESSAGES(THETA_INSTANTIATE_CODEC)
#undef THETA_INSTANTIATE_CODEC

Status encode_body(const AnyMessage& message, Bytes& out, std::uint16_t minor) {
  return std::visit([&](const auto& m) { return encode_body(m, out, minor); }, message);
}

Result<AnyMessage> decode_body(MessageType type, ByteSpan body) {
  return decode_as_index(type, body);
}

MessageType type_of(const AnyMessage& message) {
  return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::kType; }, message);
}

std::string_view message_name(MessageType type) {
  const MessageMeta* meta = find_meta(type);
  return meta ? meta->name : std::string_view("unknown");
}

std::optional<MessageType> message_type_from_id(std::uint16_t id) {
  const MessageMeta* meta = find_meta(static_cast<MessageType>(id));
  if (!meta) return std::nullopt;
  return meta->type;
}

std::optional<MessageType> message_type_from_name(std::string_view name) {
  for (const auto& m : kMeta) {
    if (m.name == name) return m.type;
  }
  return std::nullopt;
}

LaneId lane_of(MessageType type) {
  const MessageMeta* meta = find_meta(type);
  return meta ? meta->lane : LaneId::kControl;
}

std::uint16_t since_minor_of(MessageType type) {
  const MessageMeta* meta = find_meta(type);
  return meta ? meta->since_minor : 0;
}

}  // namespace theta_net::protocol
