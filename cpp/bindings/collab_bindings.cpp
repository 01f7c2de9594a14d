// theta_net.collab's sans-I/O objects: CollabHost (signed commands over a DataHost: checks, the
// total order, the command log, replay) and CollabClient (a ClientDB's writes signed with the
// client's key). Messages cross as (type name, fields) tuples, like theta_net.data's; keys are
// given as their 32-byte Ed25519 seeds (private) or public keys.
#include <pybind11/stl.h>

#include "border.hpp"
#include "protocol_convert.hpp"
#include "theta_net/collab/collab_client.hpp"
#include "theta_net/collab/collab_host.hpp"
#include "theta_net/collab/command_log_file.hpp"
#include "time_caster.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;

std::array<std::uint8_t, 32> key_bytes(const py::bytes& value, const char* what) {
  const std::string text = value;
  if (text.size() != 32) {
    throw BorderError(ErrorKind::kData, make_error(ErrorCode::kInvalidArgument, what,
                                                   " is 32 bytes, not ", text.size()));
  }
  std::array<std::uint8_t, 32> out{};
  std::copy(text.begin(), text.end(), out.begin());
  return out;
}

Ed25519KeyPair key_pair(const py::bytes& seed) {
  return unwrap(Ed25519KeyPair::from_seed(key_bytes(seed, "an Ed25519 seed")), ErrorKind::kData);
}

protocol::AnyMessage message_arg(const py::handle& message) {
  auto pair = message.cast<py::tuple>();
  if (pair.size() != 2) {
    throw BorderError(ErrorKind::kData, make_error(ErrorCode::kInvalidArgument,
                                                   "a message is a (type, fields) tuple"));
  }
  return any_message_from_py(pair[0], pair[1]);
}

py::list messages_to_py(const std::vector<protocol::AnyMessage>& messages) {
  py::list out;
  for (const auto& message : messages) out.append(any_message_to_py(message));
  return out;
}

template <class Stats>
py::dict stats_to_py(const Stats& stats) {
  py::dict out;
  stats.visit([&](const char* name, const auto& value) { out[name] = value; });
  return out;
}

protocol::Role role_arg(const std::string& name) {
  const auto role = protocol::enum_from_name<protocol::Role>(name);
  if (!role) {
    throw BorderError(ErrorKind::kData, make_error(ErrorCode::kInvalidArgument, "no role '", name,
                                                   "' (viewer, editor, admin, player)"));
  }
  return *role;
}

Bytes payload_arg(const py::bytes& payload) {
  const std::string text = payload;
  return Bytes(text.begin(), text.end());
}

py::dict logged_to_py(const collab::LoggedCommand& c) {
  py::dict out;
  out["index"] = c.entry.index;
  out["version"] = c.version;
  out["author"] = py::bytes(reinterpret_cast<const char*>(c.entry.author.data()), 32);
  out["sequence"] = c.entry.sequence;
  out["lamport"] = c.entry.lamport;
  out["base_version"] = c.entry.base_version;
  out["command"] = c.entry.command;
  out["payload"] = to_pybytes(c.entry.payload);
  return out;
}

void bind_collab_host(py::module_& m) {
  py::class_<collab::CollabHost>(
      m, "CollabHost", "Signed commands over a DataHost, sans-I/O (theta_net.collab.CollabHost).")
      .def(py::init([](data::DataHost& data, bool replicate_log) {
             collab::CollabHostConfig config;
             config.replicate_log = replicate_log;
             return std::make_unique<collab::CollabHost>(data, config);
           }),
           "data"_a, "replicate_log"_a = true, py::keep_alive<1, 2>())
      .def(
          "add_client",
          [](collab::CollabHost& host, std::uint64_t client, const py::bytes& public_key,
             const std::string& role, bool replicate) {
            unwrap(host.add_client(client, key_bytes(public_key, "a public key"), role_arg(role),
                                   replicate),
                   ErrorKind::kData);
          },
          "client"_a, "public_key"_a, "role"_a = "editor", "replicate"_a = true)
      .def(
          "set_role",
          [](collab::CollabHost& host, std::uint64_t client, const std::string& role) {
            unwrap(host.set_role(client, role_arg(role)), ErrorKind::kData);
          },
          "client"_a, "role"_a)
      .def("remove_client", &collab::CollabHost::remove_client, "client"_a)
      .def(
          "on_message",
          [](collab::CollabHost& host, std::uint64_t client, const py::handle& message,
             Micros now) {
            unwrap(host.on_message(client, message_arg(message), now), ErrorKind::kData);
          },
          "client"_a, "message"_a, "now"_a)
      .def(
          "submit",
          [](collab::CollabHost& host, const py::bytes& seed, std::uint16_t command,
             const py::bytes& payload) {
            return unwrap(host.submit(key_pair(seed), command, payload_arg(payload)),
                          ErrorKind::kData);
          },
          "seed"_a, "command"_a, "payload"_a,
          "A command of the server's own, signed with the key of `seed`; returns its sequence.")
      .def("flush", &collab::CollabHost::flush, "now"_a,
           "Applies the waiting commands, then flushes the DataHost (its new version, or None).")
      .def(
          "drain",
          [](collab::CollabHost& host, std::uint64_t client, std::size_t credit) {
            return messages_to_py(host.drain(client, credit));
          },
          "client"_a, "credit"_a = std::size_t{1} << 30)
      .def(
          "log",
          [](const collab::CollabHost& host) {
            py::list out;
            for (const auto& c : host.log().entries()) out.append(logged_to_py(c));
            return out;
          },
          "The log entries held in memory, in index order.")
      .def(
          "log_file",
          [](const collab::CollabHost& host) {
            const std::vector<collab::LoggedCommand> log(host.log().entries().begin(),
                                                         host.log().entries().end());
            return to_pybytes(unwrap(collab::encode_command_log(log), ErrorKind::kData));
          },
          "The held log as a command log file's bytes.")
      .def(
          "replay",
          [](collab::CollabHost& host, const py::bytes& file, Micros now) {
            const Bytes bytes = payload_arg(file);
            auto log = unwrap(collab::decode_command_log(bytes), ErrorKind::kData);
            unwrap(host.replay(log, now), ErrorKind::kData);
          },
          "file"_a, "now"_a, "Applies a command log file's entries (see CollabHost::replay).")
      .def_property_readonly("clock", [](const collab::CollabHost& h) { return h.clock().time(); })
      .def_property_readonly("waiting", &collab::CollabHost::waiting)
      .def_property_readonly("stats",
                             [](const collab::CollabHost& h) { return stats_to_py(h.stats()); });
}

void bind_collab_client(py::module_& m) {
  py::class_<collab::CollabClient>(
      m, "CollabClient",
      "A ClientDB's writes as signed commands, sans-I/O (theta_net.collab.CollabClient).")
      .def(py::init([](data::ClientDB& db, const py::bytes& seed, std::uint64_t first_sequence) {
             collab::CollabClientConfig config;
             config.first_sequence = first_sequence;
             return std::make_unique<collab::CollabClient>(db, key_pair(seed), config);
           }),
           "db"_a, "seed"_a, "first_sequence"_a = 1, py::keep_alive<1, 2>())
      .def_property_readonly("public_key",
                             [](const collab::CollabClient& c) {
                               return py::bytes(reinterpret_cast<const char*>(c.key().data()), 32);
                             })
      .def("take_outgoing",
           [](collab::CollabClient& c) { return messages_to_py(c.take_outgoing()); })
      .def(
          "on_message",
          [](collab::CollabClient& c, const py::handle& message, Micros now) {
            unwrap(c.on_message(message_arg(message), now), ErrorKind::kData);
          },
          "message"_a, "now"_a)
      .def(
          "send_command",
          [](collab::CollabClient& c, std::uint16_t command, const py::bytes& payload) {
            return unwrap(c.send_command(command, payload_arg(payload)), ErrorKind::kData);
          },
          "command"_a, "payload"_a)
      .def(
          "take_command_results",
          [](collab::CollabClient& c) {
            py::list out;
            for (const auto& o : c.take_command_results()) {
              py::dict d;
              d["sequence"] = o.sequence;
              d["command"] = o.command;
              d["accepted"] = o.accepted;
              d["index"] = o.index;
              d["version"] = o.version;
              d["reason"] = o.reason ? py::object(py::str(std::string(
                                           protocol::enum_name(*o.reason).value_or("refused"))))
                                     : py::object(py::none());
              d["text"] = o.text;
              out.append(d);
            }
            return out;
          },
          "Answers to application commands since the last call.")
      .def("handle_timeout", &collab::CollabClient::handle_timeout, "now"_a)
      .def("on_reconnect", &collab::CollabClient::on_reconnect, "now"_a)
      .def_property_readonly("clock",
                             [](const collab::CollabClient& c) { return c.clock().time(); })
      .def_property_readonly("next_sequence", &collab::CollabClient::next_sequence)
      .def_property_readonly("unanswered", &collab::CollabClient::unanswered)
      .def_property_readonly("last_index", &collab::CollabClient::last_index)
      .def_property_readonly("stats",
                             [](const collab::CollabClient& c) { return stats_to_py(c.stats()); });
}

}  // namespace

void bind_collab(py::module_& m) {
  bind_collab_host(m);
  bind_collab_client(m);
  m.attr("collab_data_write") = static_cast<int>(protocol::CommandKind::kDataWrite);
  m.attr("collab_first_application_command") = static_cast<int>(collab::kFirstApplicationCommand);
  m.def(
      "collab_public_key",
      [](const py::bytes& seed) {
        const auto key = key_pair(seed).public_key();
        return py::bytes(reinterpret_cast<const char*>(key.data()), key.size());
      },
      "seed"_a, "The Ed25519 public key of a 32-byte seed.");
}

}  // namespace theta_net::bindings
