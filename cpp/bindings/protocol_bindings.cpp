// Python access to the wire protocol: frames and message bodies built and parsed by the C++
// codec, with messages as dicts (see protocol_convert.hpp), plus the schema's identity.
#include <pybind11/stl.h>

#include <utility>

#include "border.hpp"
#include "protocol_convert.hpp"
#include "theta_net/protocol/frame.hpp"
#include "theta_net/protocol/frame_messages.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/protocol/random_message.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;
using protocol::AnyMessage;
using protocol::MessageType;

MessageType resolve_type(const py::handle& type) {
  std::optional<MessageType> resolved;
  if (py::isinstance<py::str>(type)) {
    resolved = protocol::message_type_from_name(type.cast<std::string>());
  } else if (py::isinstance<py::int_>(type)) {
    const auto id = type.cast<long long>();
    if (id >= 0 && id <= 0xffff)
      resolved = protocol::message_type_from_id(static_cast<std::uint16_t>(id));
  }
  if (!resolved) {
    throw BorderError(ErrorKind::kProtocol,
                      make_error(ErrorCode::kInvalidArgument, "unknown message type ",
                                 std::string(py::str(type))));
  }
  return *resolved;
}

template <std::size_t I = 0>
AnyMessage message_from_py(MessageType type, const py::handle& fields) {
  if constexpr (I == std::variant_size_v<AnyMessage>) {
    throw BorderError(ErrorKind::kProtocol,
                      make_error(ErrorCode::kInvalidArgument, "unknown message type"));
  } else {
    using M = std::variant_alternative_t<I, AnyMessage>;
    if (M::kType != type) return message_from_py<I + 1>(type, fields);
    M message{};
    from_py_struct(fields, message, std::string(M::kName));
    return message;
  }
}

py::tuple message_to_py(const AnyMessage& message) {
  return std::visit(
      [](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        return py::make_tuple(std::string(M::kName), to_py(m));
      },
      message);
}

Bytes encode_frames(const std::vector<AnyMessage>& messages, std::uint32_t sequence, bool compress,
                    std::uint16_t minor) {
  std::vector<protocol::EncodedMessage> encoded(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    encoded[i].type = static_cast<std::uint16_t>(protocol::type_of(messages[i]));
    unwrap(protocol::encode_body(messages[i], encoded[i].body, minor), ErrorKind::kProtocol);
  }
  protocol::FrameCompression compression;
  compression.enabled = compress;
  compression.min_bytes = 0;
  Bytes frame;
  protocol::write_message_frame(encoded, sequence, compression, frame);
  return frame;
}

}  // namespace

AnyMessage any_message_from_py(const py::handle& type, const py::handle& fields) {
  return message_from_py(resolve_type(type), fields);
}

py::tuple any_message_to_py(const AnyMessage& message) {
  return message_to_py(message);
}

void bind_protocol(py::module_& m) {
  m.def(
      "protocol_encode",
      [](const py::handle& type, const py::dict& fields, std::uint32_t sequence, bool compress,
         std::uint16_t minor) {
        const AnyMessage message = message_from_py(resolve_type(type), fields);
        return to_pybytes(encode_frames({message}, sequence, compress, minor));
      },
      "msg_type"_a, "fields"_a, "sequence"_a = 0, "compress"_a = false,
      "minor"_a = protocol::kProtocolMinor, "One message in one frame.");

  m.def(
      "protocol_encode_batch",
      [](const py::list& items, std::uint32_t sequence, bool compress, std::uint16_t minor) {
        std::vector<AnyMessage> messages;
        for (auto item : items) {
          auto pair = item.cast<py::tuple>();
          if (pair.size() != 2) {
            throw BorderError(
                ErrorKind::kProtocol,
                make_error(ErrorCode::kInvalidArgument, "batch items are (msg_type, fields)"));
          }
          messages.push_back(message_from_py(resolve_type(pair[0]), pair[1]));
        }
        if (messages.empty()) {
          throw BorderError(ErrorKind::kProtocol,
                            make_error(ErrorCode::kInvalidArgument, "empty batch"));
        }
        return to_pybytes(encode_frames(messages, sequence, compress, minor));
      },
      "messages"_a, "sequence"_a = 0, "compress"_a = false, "minor"_a = protocol::kProtocolMinor,
      "Several messages (a list of (msg_type, fields)) in one batch frame.");

  m.def(
      "protocol_decode",
      [](const py::buffer& frame) {
        BufferView view(frame);
        auto decoded = unwrap(protocol::read_frame(view.bytes(), protocol::kProtocolMajor, {}),
                              ErrorKind::kProtocol);
        auto messages = unwrap(protocol::read_frame_messages(decoded, {}), ErrorKind::kProtocol);
        const protocol::LaneId lane = protocol::lane_of(protocol::type_of(messages.front()));
        py::list out;
        for (const AnyMessage& message : messages) out.append(message_to_py(message));
        py::dict result;
        result["version"] = decoded.header.version;
        result["flags"] = decoded.header.flags;
        result["sequence"] = decoded.header.sequence;
        result["lane"] = std::string(protocol::enum_name(lane).value_or("control"));
        result["messages"] = out;
        return result;
      },
      "frame"_a, "Parses one frame; returns its header fields and its messages.");

  m.def(
      "protocol_encode_body",
      [](const py::handle& type, const py::dict& fields, std::uint16_t minor) {
        const AnyMessage message = message_from_py(resolve_type(type), fields);
        Bytes body;
        unwrap(protocol::encode_body(message, body, minor), ErrorKind::kProtocol);
        return to_pybytes(body);
      },
      "msg_type"_a, "fields"_a, "minor"_a = protocol::kProtocolMinor,
      "A message body alone (the msgpack array), without a frame.");

  m.def(
      "protocol_decode_body",
      [](const py::handle& type, const py::buffer& body) {
        BufferView view(body);
        const py::tuple pair = message_to_py(
            unwrap(protocol::decode_body(resolve_type(type), view.bytes()), ErrorKind::kProtocol));
        return py::object(pair[1]);
      },
      "msg_type"_a, "body"_a, "Decodes a message body alone.");

  m.def(
      "protocol_random_message",
      [](const py::handle& type, std::uint64_t seed) {
        Rng rng(seed);
        const py::tuple pair =
            message_to_py(protocol::random_message_of_type(resolve_type(type), rng));
        return py::object(pair[1]);
      },
      "msg_type"_a, "seed"_a = 0,
      "A message of that type filled with seeded random, valid values.");

  m.def(
      "protocol_schema_hash", [] { return protocol::kSchemaHash; },
      "The 64-bit schema hash of this build's protocol version.");
  m.def(
      "protocol_schema_hash_by_minor",
      [] {
        return std::vector<std::uint64_t>(protocol::kSchemaHashByMinor.begin(),
                                          protocol::kSchemaHashByMinor.end());
      },
      "The schema hash at each minor version 0..current.");
  m.def(
      "protocol_canonical_schema",
      [](std::uint16_t minor) {
        if (minor >= protocol::kCanonicalSchema.size()) {
          throw BorderError(ErrorKind::kProtocol,
                            make_error(ErrorCode::kOutOfRange, "no minor version ", minor));
        }
        return std::string(protocol::kCanonicalSchema[minor]);
      },
      "minor"_a = protocol::kProtocolMinor, "The canonical schema text the hash is computed over.");
  m.def(
      "protocol_manifest_json", [] { return std::string(protocol::kManifestJson); },
      "The schema manifest (the same content as schemas/manifest.json) as JSON text.");
  m.def(
      "protocol_version",
      [] { return std::make_pair(protocol::kProtocolMajor, protocol::kProtocolMinor); },
      "(major, minor) of the protocol this build speaks.");
}

}  // namespace theta_net::bindings
