// Python access to who a peer is and what it may do: Ed25519 key pairs (KeyPair), the proof of
// key's transcript, signed SessionControls, and the permission table of schemas/theta.toml as the
// C++ build has it (protocol.permissions(), role_may_send, role_may_command).
#include <pybind11/stl.h>

#include "border.hpp"
#include "protocol_convert.hpp"
#include "theta_net/core/ed25519.hpp"
#include "theta_net/protocol/control_signature.hpp"
#include "theta_net/protocol/handshake.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;

template <std::size_t N>
std::array<std::uint8_t, N> fixed_bytes(const py::buffer& buffer, const char* what) {
  BufferView view(buffer);
  if (view.bytes().size() != N) {
    throw BorderError(ErrorKind::kProtocol,
                      make_error(ErrorCode::kInvalidArgument, what, " must be ", N, " bytes, not ",
                                 view.bytes().size()));
  }
  std::array<std::uint8_t, N> out{};
  std::copy(view.bytes().begin(), view.bytes().end(), out.begin());
  return out;
}

template <class E>
E enum_named(const std::string& name) {
  auto value = protocol::enum_from_name<E>(name);
  if (!value) {
    throw BorderError(ErrorKind::kProtocol,
                      make_error(ErrorCode::kInvalidArgument, "'", name, "' is not a ",
                                 protocol::EnumTraits<E>::kName));
  }
  return *value;
}

template <class M>
M message_named(const py::dict& fields) {
  M message{};
  from_py_struct(fields, message, std::string(M::kName));
  return message;
}

}  // namespace

void bind_identity(py::module_& m) {
  py::class_<Ed25519KeyPair>(m, "KeyPair", "An Ed25519 key pair: a session's identity.")
      .def_static(
          "generate", [] { return unwrap(Ed25519KeyPair::generate(), ErrorKind::kProtocol); },
          "A key pair from the operating system's random generator.")
      .def_static(
          "from_seed",
          [](const py::buffer& seed) {
            return unwrap(Ed25519KeyPair::from_seed(fixed_bytes<32>(seed, "the seed")),
                          ErrorKind::kProtocol);
          },
          "seed"_a, "The key pair of a 32-byte private seed (the same seed, the same identity).")
      .def_property_readonly(
          "public_key",
          [](const Ed25519KeyPair& k) {
            return to_pybytes(Bytes(k.public_key().begin(), k.public_key().end()));
          })
      .def_property_readonly("seed",
                             [](const Ed25519KeyPair& k) {
                               return to_pybytes(Bytes(k.seed().begin(), k.seed().end()));
                             })
      .def(
          "sign",
          [](const Ed25519KeyPair& k, const py::buffer& message) {
            BufferView view(message);
            const Ed25519Signature signature = k.sign(view.bytes());
            return to_pybytes(Bytes(signature.begin(), signature.end()));
          },
          "message"_a, "The Ed25519 signature (64 bytes) of `message`.");

  m.def(
      "ed25519_verify",
      [](const py::buffer& public_key, const py::buffer& message, const py::buffer& signature) {
        BufferView view(message);
        return ed25519_verify(fixed_bytes<32>(public_key, "the public key"), view.bytes(),
                              fixed_bytes<64>(signature, "the signature"));
      },
      "public_key"_a, "message"_a, "signature"_a,
      "Whether `signature` is the key's Ed25519 signature of `message`.");

  m.def(
      "protocol_proof_transcript",
      [](const py::dict& hello, const py::dict& server_hello) {
        return to_pybytes(
            unwrap(protocol::proof_transcript(message_named<protocol::SessionHello>(hello),
                                              message_named<protocol::ServerHello>(server_hello)),
                   ErrorKind::kProtocol));
      },
      "hello"_a, "server_hello"_a,
      "The bytes a client signs in SessionProof: the proof transcript of docs/protocol.md.");

  m.def(
      "protocol_signed_session_control",
      [](const Ed25519KeyPair& admin, const std::string& action, std::uint64_t target,
         std::uint64_t sequence, std::optional<std::string> role, const std::string& reason,
         std::uint32_t ban_seconds) {
        std::optional<protocol::Role> r;
        if (role) r = enum_named<protocol::Role>(*role);
        return to_py(protocol::signed_session_control(admin,
                                                      enum_named<protocol::ControlAction>(action),
                                                      target, sequence, r, reason, ban_seconds));
      },
      "admin"_a, "action"_a, "target"_a, "sequence"_a, "role"_a = py::none(), "reason"_a = "",
      "ban_seconds"_a = 0, "A SessionControl's fields, signed by `admin`.");

  m.def(
      "protocol_permissions",
      [] {
        py::list out;
        for (const protocol::RolePermissions& row : protocol::kPermissions) {
          py::list messages;
          for (protocol::MessageType type : row.messages)
            messages.append(std::string(protocol::message_name(type)));
          py::list commands;
          for (std::uint16_t command : row.commands) {
            commands.append(std::string(
                protocol::enum_name(static_cast<protocol::CommandKind>(command)).value_or("?")));
          }
          out.append(py::dict("role"_a = std::string(protocol::enum_name(row.role).value_or("?")),
                              "since"_a = py::make_tuple(protocol::kProtocolMajor, row.since_minor),
                              "messages"_a = messages, "commands"_a = commands,
                              "application_commands"_a = row.application_commands));
        }
        return out;
      },
      "The permission table this build enforces, one dict per role.");
  m.def(
      "protocol_role_may_send",
      [](const std::string& role, const std::string& message) {
        auto type = protocol::message_type_from_name(message);
        if (!type) {
          throw BorderError(ErrorKind::kProtocol, make_error(ErrorCode::kInvalidArgument,
                                                             "unknown message type ", message));
        }
        return protocol::role_may_send(enum_named<protocol::Role>(role), *type);
      },
      "role"_a, "message"_a, "Whether a session of `role` may send `message` (a type name).");
  m.def(
      "protocol_role_may_command",
      [](const std::string& role, std::uint16_t command) {
        return protocol::role_may_command(enum_named<protocol::Role>(role), command);
      },
      "role"_a, "command"_a,
      "Whether a session of `role` may send a CommandLogEntry with this command kind.");
}

}  // namespace theta_net::bindings
