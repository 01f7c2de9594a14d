// Python access to the reference game's client: Client over any endpoint (driven tick by tick
// with step(now)), and GameClientView, a client inside a LocalGame. Both offer the same views
// of the player (position, intent, chat, the other players, corrections) and of its data mirror
// (data_*: rows, version, sync state, writes). The GIL is released while C++ runs.
#include <pybind11/stl.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>

#include "data_values.hpp"
#include "editor_views.hpp"
#include "game_convert.hpp"
#include "metrics_convert.hpp"
#include "telemetry_views.hpp"
#include "theta_net/assets/asset_store.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/client_driver.hpp"
#include "theta_net/session/metrics_report.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;
using session::GameClient;

// The Python owner of a Client: the C++ objects plus the stream file it writes.
struct PyClient {
  std::optional<assets::AssetStore> assets;  // before the client, which points at it
  std::unique_ptr<replay::EventWriter> events;
  std::unique_ptr<GameClient> client;
  std::unique_ptr<session::ClientDriver> driver;
};

template <class Cls>
void bind_data_views(Cls& cls, GameClient& (*get)(typename Cls::type&));

session::AssetClient& asset_client(GameClient& c) {
  if (!c.assets()) {
    throw BorderError(
        ErrorKind::kError,
        make_error(ErrorCode::kState, "this client has no asset folder (assets=DIR)"));
  }
  return *c.assets();
}

py::dict transfer_dict(const session::AssetTransferInfo& t, const assets::AssetStore& store) {
  py::dict d("id"_a = t.id, "direction"_a = t.upload ? "upload" : "download", "name"_a = t.name,
             "size"_a = t.size, "bytes_done"_a = t.bytes_done,
             "state"_a = std::string(session::asset_state_name(t.state)),
             "error"_a = std::string(protocol::enum_name(t.error).value_or("?")),
             "reason"_a = t.reason, "restarts"_a = t.restarts,
             "duplicate_chunks"_a = t.duplicate_chunks, "chunks_resent"_a = t.chunks_resent,
             "bytes_sent"_a = t.bytes_sent);
  const auto held = store.find(t.name);
  d["path"] = held && t.state == session::AssetTransferInfo::State::kDone
                  ? py::object(py::str(held->path.string()))
                  : py::object(py::none());
  return d;
}

template <class Cls>
void bind_asset_views(Cls& cls, GameClient& (*get)(typename Cls::type&)) {
  cls.def(
         "publish_asset",
         [get](typename Cls::type& o, const py::object& source) {
           session::AssetClient& a = asset_client(get(o));
           Bytes data;
           if (py::isinstance<py::bytes>(source) || py::isinstance<py::bytearray>(source)) {
             const std::string raw = py::bytes(source);
             data.assign(raw.begin(), raw.end());
           } else {
             const std::string path = py::str(py::module_::import("os").attr("fspath")(source));
             std::ifstream in(path, std::ios::binary);
             if (!in) {
               throw BorderError(ErrorKind::kError,
                                 make_error(ErrorCode::kIo, "cannot read ", path));
             }
             data.assign(std::istreambuf_iterator<char>(in), {});
           }
           const std::string name = unwrap(a.store().put(data), ErrorKind::kError);
           const std::uint32_t id = unwrap(a.publish(name), ErrorKind::kError);
           return transfer_dict(*a.transfer(id), a.store());
         },
         "source"_a,
         "Uploads an asset (bytes, or a file's path) to the server's store over the assets lane: "
         "it is first put in this client's asset folder under its SHA-256. Returns the "
         "transfer (see asset_transfers); its `name` is the asset's SHA-256 in hex.")
      .def(
          "fetch_asset",
          [get](typename Cls::type& o, const std::string& name) {
            session::AssetClient& a = asset_client(get(o));
            const std::uint32_t id = unwrap(a.fetch(name), ErrorKind::kError);
            return transfer_dict(*a.transfer(id), a.store());
          },
          "name"_a,
          "Downloads the server's asset `name` (its SHA-256 in hex) into this client's asset "
          "folder; verified before it is stored. Returns the transfer (done at once if held).")
      .def(
          "asset_transfer",
          [get](typename Cls::type& o, std::uint32_t id) -> py::object {
            session::AssetClient& a = asset_client(get(o));
            const auto* t = a.transfer(id);
            return t ? py::object(transfer_dict(*t, a.store())) : py::object(py::none());
          },
          "id"_a, "One transfer by id, or None.")
      .def_property_readonly(
          "asset_transfers",
          [get](typename Cls::type& o) {
            session::AssetClient& a = asset_client(get(o));
            py::list out;
            for (const auto& [id, t] : a.transfers()) out.append(transfer_dict(t, a.store()));
            return out;
          },
          "Every transfer so far: id, direction (upload, download), name, size, bytes_done, "
          "state (waiting, moving, done, failed), error and reason (a refusal's), restarts "
          "(resumed after a lost connection), duplicate_chunks, chunks_resent, bytes_sent, and "
          "path (the local file, once done).");
}

template <class Cls>
void bind_client_views(Cls& cls, GameClient& (*get)(typename Cls::type&)) {
  cls.def_property_readonly("established",
                            [get](typename Cls::type& o) { return get(o).established(); })
      .def_property_readonly("player",
                             [get](typename Cls::type& o) -> py::object {
                               GameClient& c = get(o);
                               if (!c.has_player()) return py::none();
                               return player_dict(c.player_entity(), "", c.predicted());
                             })
      .def_property_readonly("render_position",
                             [get](typename Cls::type& o) { return vec(get(o).render_position()); })
      .def(
          "block",
          [get](typename Cls::type& o, int x, int y, int z) -> py::object {
            auto id = get(o).chunks().loaded_block({x, y, z});
            if (!id) return py::none();
            return py::int_(*id);
          },
          "x"_a, "y"_a, "z"_a,
          "The block the client knows at (x, y, z), or None if its chunk is not loaded.")
      .def(
          "intent",
          [get](typename Cls::type& o, const std::vector<std::string>& move, double yaw,
                double pitch, std::optional<std::tuple<int, int, int>> place,
                std::optional<std::tuple<int, int, int>> dig, const std::string& face,
                const py::object& block) {
            set_intent(get(o), move, yaw, pitch, place, dig, face, block);
          },
          "move"_a = std::vector<std::string>{}, "yaw"_a = 0.0, "pitch"_a = 0.0,
          "place"_a = py::none(), "break_block"_a = py::none(), "face"_a = "up",
          "block"_a = py::str("planks"),
          "What the player does from now on (move: forward, back, left, right, jump, sneak, "
          "sprint; yaw in degrees). "
          "place/break_block happen once.")
      .def(
          "say", [get](typename Cls::type& o, const std::string& text) { get(o).say(text); },
          "text"_a)
      .def_property_readonly(
          "role",
          [get](typename Cls::type& o) {
            return std::string(protocol::enum_name(get(o).role()).value_or("unknown"));
          },
          "The session's role (viewer before the first SessionAck); an admin may change it.")
      .def_property_readonly(
          "signing", [get](typename Cls::type& o) { return get(o).signing(); },
          "Whether this session writes data as signed commands (the server's world takes them "
          "and the session negotiated them).")
      .def_property_readonly(
          "session_id",
          [get](typename Cls::type& o) -> py::object {
            const auto& ack = get(o).session().session();
            if (!ack) return py::none();
            return py::int_(ack->session_id);
          },
          "The session's id (None before the first SessionAck or after the server ended it).")
      .def_property_readonly(
          "public_key",
          [get](typename Cls::type& o) {
            const auto& key = get(o).session().key().public_key();
            return py::bytes(reinterpret_cast<const char*>(key.data()), key.size());
          },
          "The client's Ed25519 public key: its identity, proven in every handshake.")
      .def(
          "kick",
          [get](typename Cls::type& o, std::uint64_t session_id, const std::string& reason) {
            return unwrap(
                get(o).control(protocol::ControlAction::kKick, session_id, std::nullopt, reason),
                ErrorKind::kProtocol);
          },
          "session_id"_a, "reason"_a = "",
          "An admin's kick of another session (signed with this client's key); returns the "
          "control's sequence, answered in control_results().")
      .def(
          "ban",
          [get](typename Cls::type& o, std::uint64_t session_id, std::uint32_t seconds,
                const std::string& reason) {
            return unwrap(get(o).control(protocol::ControlAction::kBan, session_id, std::nullopt,
                                         reason, seconds),
                          ErrorKind::kProtocol);
          },
          "session_id"_a, "seconds"_a = 0, "reason"_a = "",
          "An admin's ban of another session's key, for `seconds` (0 = for good); returns the "
          "control's sequence.")
      .def(
          "set_role",
          [get](typename Cls::type& o, std::uint64_t session_id, const std::string& role,
                const std::string& reason) {
            auto r = protocol::enum_from_name<protocol::Role>(role);
            if (!r) {
              throw BorderError(ErrorKind::kProtocol,
                                make_error(ErrorCode::kInvalidArgument, "'", role,
                                           "' is not a role (viewer, player, editor, admin)"));
            }
            return unwrap(
                get(o).control(protocol::ControlAction::kRoleChange, session_id, *r, reason),
                ErrorKind::kProtocol);
          },
          "session_id"_a, "role"_a, "reason"_a = "",
          "An admin's change of another session's role; returns the control's sequence.")
      .def(
          "control_results",
          [get](typename Cls::type& o) {
            py::list out;
            for (const auto& r : get(o).take_control_results()) {
              out.append(py::dict("sequence"_a = r.sequence, "accepted"_a = r.accepted,
                                  "text"_a = r.text));
            }
            return out;
          },
          "The server's answers to this client's controls since the last call: {'sequence', "
          "'accepted', 'text'}.")
      .def(
          "permission_denials",
          [get](typename Cls::type& o) {
            py::list out;
            for (const auto& d : get(o).take_permission_denials()) {
              out.append(py::dict(
                  "message"_a = std::string(
                      protocol::message_name(static_cast<protocol::MessageType>(d.message_type))),
                  "command"_a = d.command,
                  "role"_a = std::string(protocol::enum_name(d.role).value_or("unknown")),
                  "text"_a = d.text));
            }
            return out;
          },
          "The messages the server refused for this session's role since the last call: "
          "{'message', 'command', 'role', 'text'}.")
      .def(
          "remote_players",
          [get](typename Cls::type& o, Micros now) {
            py::list out;
            for (const auto& r : get(o).remote_players(now)) {
              py::dict d;
              d["id"] = r.id;
              d["position"] = vec(r.view.position);
              d["yaw"] = r.view.yaw;
              d["extrapolated"] = r.view.extrapolated;
              d["valid"] = r.view.valid;
              out.append(d);
            }
            return out;
          },
          "now"_a, "Other players as drawn at `now` (interpolated 100 ms in the past).")
      .def(
          "reconciliations",
          [get](typename Cls::type& o) {
            py::list out;
            for (const auto& e : get(o).take_reconciliations()) {
              out.append(py::make_tuple(e.tick, e.error.to_double(), e.ticks_replayed,
                                        netcode::correction_causes_text(e.causes)));
            }
            return out;
          },
          "The (tick, error in blocks, ticks replayed, cause) of corrections since the last call; "
          "cause names what differed: position, velocity, on_ground, health (joined by '+'), or "
          "no_history.");
  bind_data_views(cls, get);
  bind_telemetry_views(cls, get);
  bind_editor_views(cls, get);
}

// The client's data mirror (GameClient::data(), a ClientDB), as scenarios and tests read it.
template <class Cls>
void bind_data_views(Cls& cls, GameClient& (*get)(typename Cls::type&)) {
  cls.def_property_readonly(
         "data_state",
         [get](typename Cls::type& o) {
           return std::string(data::sync_state_name(get(o).data().status().state));
         },
         "The data mirror's sync state: idle, syncing, catching_up, ready or refused.")
      .def_property_readonly(
          "data_version", [get](typename Cls::type& o) { return get(o).data().version(); },
          "The last server version the mirror applied.")
      .def_property_readonly(
          "data_status",
          [get](typename Cls::type& o) {
            const data::ClientDB& db = get(o).data();
            const data::SyncStatus& s = db.status();
            return py::dict(
                "state"_a = std::string(data::sync_state_name(s.state)), "version"_a = db.version(),
                "sync_id"_a = s.sync_id, "target_version"_a = s.target_version,
                "entities_done"_a = s.entities_done, "entities_total"_a = s.entities_total,
                "bytes_done"_a = s.bytes_done, "bytes_total"_a = s.bytes_total,
                "pending_writes"_a = db.pending_writes(),
                "batches_applied"_a = db.batches_applied(), "refusal"_a = db.refusal());
          },
          "The sync's progress and the mirror's counters.")
      .def(
          "data_rows",
          [get](typename Cls::type& o, const std::string& table) {
            return table_rows(get(o).data().view(), table);
          },
          "table"_a,
          "The table's entities in id order as {'id': id, component: {field: value}}, "
          "unconfirmed local writes included.")
      .def_property_readonly(
          "data_digest", [get](typename Cls::type& o) { return get(o).data().view().digest(); },
          "The digest of the mirror's content (equal content, equal digest).")
      .def(
          "data_canonical",
          [get](typename Cls::type& o) {
            return to_pybytes(get(o).data().view().canonical_bytes());
          },
          "The mirror's canonical bytes (schema hash, version, every entity): equal to the "
          "server's when converged.")
      .def(
          "data_write",
          [get](typename Cls::type& o, const std::string& table, data::EntityId entity,
                const py::object& set, bool remove) {
            data::ClientDB& db = get(o).data();
            const data::Transaction tx =
                write_from_python(db.view().schema_ptr(), table, entity, set, remove);
            return unwrap(db.write(tx), ErrorKind::kError);
          },
          "table"_a, "entity"_a, "set"_a = py::none(), "remove"_a = false,
          "Writes through the mirror: set = {component: {field: value}} (or remove=True drops "
          "the entity); applied at once, sent, confirmed or rolled back by the server. Returns "
          "the write id.")
      .def(
          "data_refused_writes",
          [get](typename Cls::type& o) { return get(o).data().take_refused_writes(); },
          "The (write id, reason) of writes the server refused since the last call.");
}

}  // namespace

void bind_client(py::module_& m) {
  py::class_<PyClient> client(m, "Client",
                              "The reference game's client over a transport endpoint.");
  client
      .def(py::init([](const py::object& endpoint, const std::string& name,
                       std::optional<std::string> token, std::uint32_t interpolation_delay_ms,
                       std::optional<std::string> events, std::optional<std::string> data_schema,
                       std::optional<Ed25519KeyPair> key, std::optional<std::string> assets_dir) {
             auto self = std::make_unique<PyClient>();
             if (assets_dir) {
               self->assets = unwrap(assets::AssetStore::open(*assets_dir), ErrorKind::kError);
             }
             self->events = open_stream(events, "", 0, 20, "client:" + name);
             session::GameClientConfig config;
             config.name = name;
             config.token = token;
             config.interpolation_delay = std::chrono::milliseconds(interpolation_delay_ms);
             config.data_schema = game_data_schemas(data_schema).composed;
             config.assets = self->assets ? &*self->assets : nullptr;
             Rng rng(std::random_device{}());
             self->client = std::make_unique<GameClient>(
                 config, key ? *key : unwrap(Ed25519KeyPair::generate(), ErrorKind::kProtocol), rng,
                 self->events.get());
             self->driver = std::make_unique<session::ClientDriver>(
                 endpoint_of(endpoint), self->client->session(), self->client.get());
             return self;
           }),
           "endpoint"_a, "name"_a, "token"_a = py::none(), "interpolation_delay_ms"_a = 100,
           "events"_a = py::none(), "data_schema"_a = py::none(), "key"_a = py::none(),
           "assets"_a = py::none(), py::keep_alive<1, 2>(),
           "`data_schema`: the application's data tables (schema TOML text), appended to the "
           "reference game's; the server's must be compatible. `key`: the client's KeyPair (its "
           "identity; default a new one). `assets`: a folder for the client's assets (what it "
           "publishes and fetches over the assets lane).")
      .def(
          "step",
          [](PyClient& c, Micros now) {
            py::gil_scoped_release release;
            c.driver->step(now);
          },
          "now"_a,
          "Polls the endpoint, handles the session, predicts every tick due at `now` (seconds), "
          "sends, and reconnects a lost connection (resuming the session).")
      .def(
          "wait",
          [](PyClient& c, Micros timeout) {
            py::gil_scoped_release release;
            c.driver->wait(timeout);
          },
          "timeout"_a,
          "Waits up to `timeout` seconds for the endpoint's I/O (SimNet does not block); a loop "
          "calls it between steps.")
      .def_property_readonly("metrics", [](PyClient& c) {
        return metrics_dict(session::ClientMetricsReport{*c.client, *c.driver});
      });
  bind_client_views(
      client, +[](PyClient& c) -> GameClient& { return *c.client; });
  bind_asset_views(
      client, +[](PyClient& c) -> GameClient& { return *c.client; });

  py::class_<GameClient> game_client(m, "GameClientView", "A client inside a LocalGame.");
  bind_client_views(
      game_client, +[](GameClient& c) -> GameClient& { return c; });
}

}  // namespace theta_net::bindings
