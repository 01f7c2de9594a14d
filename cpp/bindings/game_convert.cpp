#include "game_convert.hpp"

#include <pybind11/stl.h>

#include "theta_net/core/text_list.hpp"
#include "theta_net/replay/stream_header.hpp"
#include "theta_net/session/game_data.hpp"
#include "theta_net/sim/angle.hpp"
#include "theta_net/sim/rules.hpp"
#include "theta_net/transport/endpoint_thread.hpp"
#include "theta_net/transport/quic_client.hpp"
#include "theta_net/transport/quic_server.hpp"
#include "theta_net/transport/sim_net.hpp"
#include "theta_net/transport/tcp_client.hpp"
#include "theta_net/transport/tcp_server.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::bindings {
namespace {

world::TerrainKind terrain_named(const std::string& name) {
  if (auto kind = world::terrain_named(name)) return *kind;
  throw BorderError(ErrorKind::kScenario, make_error(ErrorCode::kInvalidArgument, "terrain '", name,
                                                     "' is not ", or_list(world::kTerrainNames)));
}

world::BlockId block_id(const py::handle& block) {
  if (py::isinstance<py::str>(block)) {
    const std::string name = block.cast<std::string>();
    if (auto id = world::block_named(name)) return *id;
    throw BorderError(ErrorKind::kError,
                      make_error(ErrorCode::kInvalidArgument, "unknown block '", name, "'"));
  }
  return block.cast<world::BlockId>();
}

protocol::BlockFace face_named(const std::string& name) {
  if (auto face = protocol::enum_from_name<protocol::BlockFace>(name)) return *face;
  throw BorderError(ErrorKind::kError,
                    make_error(ErrorCode::kInvalidArgument, "unknown face '", name, "'"));
}

}  // namespace

transport::Endpoint& endpoint_of(const py::object& obj) {
  if (py::isinstance<transport::SimEndpoint>(obj)) return obj.cast<transport::SimEndpoint&>();
  if (py::isinstance<transport::QuicServer>(obj)) return obj.cast<transport::QuicServer&>();
  if (py::isinstance<transport::QuicClient>(obj)) return obj.cast<transport::QuicClient&>();
  if (py::isinstance<transport::TcpServer>(obj)) return obj.cast<transport::TcpServer&>();
  if (py::isinstance<transport::TcpClient>(obj)) return obj.cast<transport::TcpClient&>();
  if (py::isinstance<transport::EndpointThread>(obj)) {
    return obj.cast<transport::EndpointThread&>();
  }
  throw BorderError(ErrorKind::kTransport,
                    make_error(ErrorCode::kInvalidArgument,
                               "expected a SimEndpoint, QuicServer, QuicClient, TcpServer, "
                               "TcpClient or ThreadedQuicClient"));
}

py::tuple vec(const sim::Vec3& v) {
  return py::make_tuple(v.x.to_double(), v.y.to_double(), v.z.to_double());
}

py::dict player_dict(std::uint64_t id, const std::string& name, const sim::PlayerState& s) {
  py::dict d;
  d["id"] = id;
  d["name"] = name;
  d["position"] = vec(s.position);
  d["velocity"] = vec(s.velocity);
  d["yaw"] = s.yaw;
  d["pitch"] = s.pitch;
  d["on_ground"] = s.on_ground;
  d["health"] = s.health;
  return d;
}

GameDataSchemas game_data_schemas(const std::optional<std::string>& user_toml) {
  GameDataSchemas out;
  if (user_toml) out.user = unwrap(data::DataSchema::from_toml(*user_toml), ErrorKind::kError);
  out.composed = unwrap(session::compose_game_schema(out.user), ErrorKind::kError);
  return out;
}

std::map<std::string, protocol::Role> role_tokens(
    const std::map<std::string, std::string>& tokens) {
  std::map<std::string, protocol::Role> out;
  for (const auto& [token, name] : tokens) {
    auto role = protocol::enum_from_name<protocol::Role>(name);
    if (!role) {
      throw BorderError(ErrorKind::kProtocol,
                        make_error(ErrorCode::kInvalidArgument, "unknown role '", name,
                                   "' (viewer, player, editor or admin)"));
    }
    out[token] = *role;
  }
  return out;
}

session::GameServerConfig server_config(const std::string& terrain, std::uint64_t seed,
                                        std::uint32_t tick_rate, std::int32_t view_radius,
                                        std::uint64_t bytes_per_second, std::uint32_t hash_interval,
                                        world::WorldBounds bounds) {
  if (!sim::is_supported_tick_rate(tick_rate)) {
    throw BorderError(ErrorKind::kError,
                      make_error(ErrorCode::kInvalidArgument, "tick_rate must be ",
                                 or_list(sim::kSupportedTickRates)));
  }
  session::GameServerConfig config;
  config.world.rules.tick_rate = tick_rate;
  config.world.terrain = world::bounded_filler(
      world::TerrainGenerator({seed, terrain_named(terrain), 62}).filler(), bounds);
  config.world.hash_interval = hash_interval;
  config.chunks.view_radius = view_radius;
  config.bytes_per_second = bytes_per_second;
  return config;
}

world::WorldBounds bounds_of(const std::optional<std::pair<std::int64_t, std::int64_t>>& size) {
  if (!size) return {};
  for (const std::int64_t side : {size->first, size->second}) {
    if (side < 1 || side > world::WorldBounds::kMaxSize) {
      throw BorderError(ErrorKind::kError,
                        make_error(ErrorCode::kInvalidArgument, "size sides must be 1..",
                                   world::WorldBounds::kMaxSize, " blocks, got ", side));
    }
  }
  return {static_cast<std::int32_t>(size->first), static_cast<std::int32_t>(size->second)};
}

std::unique_ptr<replay::EventWriter> open_stream(const std::optional<std::string>& path,
                                                 const std::string& scenario, std::uint64_t seed,
                                                 std::uint32_t tick_rate, const std::string& role,
                                                 replay::JsonObject extra) {
  if (!path) return nullptr;
  auto header = replay::StreamHeader::for_this_build(scenario, seed, tick_rate, role);
  header.extra = std::move(extra);
  return std::make_unique<replay::EventWriter>(
      unwrap(replay::EventWriter::open(*path, header), ErrorKind::kReplay));
}

void set_intent(session::GameClient& c, const std::vector<std::string>& move, double yaw_degrees,
                double pitch_degrees, const std::optional<std::tuple<int, int, int>>& place,
                const std::optional<std::tuple<int, int, int>>& dig, const std::string& face,
                const py::object& block) {
  session::PlayerIntent intent;
  for (const std::string& m : move) {
    bool known = false;
    for (const auto& [name, bit] : protocol::movebuttons_bits::kEntries) {
      if (m == name) {
        intent.buttons |= bit;
        known = true;
      }
    }
    if (!known)
      throw BorderError(ErrorKind::kError,
                        make_error(ErrorCode::kInvalidArgument, "unknown move '", m, "'"));
  }
  intent.yaw = sim::yaw_from_degrees(yaw_degrees);
  intent.pitch = sim::pitch_from_degrees(pitch_degrees);
  if (place) {
    auto [x, y, z] = *place;
    intent.block = protocol::BlockAction{
        protocol::BlockActionKind::kPlace, {x, y, z}, face_named(face), block_id(block)};
  } else if (dig) {
    auto [x, y, z] = *dig;
    intent.block =
        protocol::BlockAction{protocol::BlockActionKind::kBreak, {x, y, z}, face_named(face), 0};
  }
  c.set_intent(intent);
}

}  // namespace theta_net::bindings
