// What the reference game's bindings (Server, Client, LocalGame) share at the border: Python
// arguments read into the game's types (endpoints, terrain, world size, server config, a
// player's intent) and the game's state written out as Python values (players, positions). Each
// bad argument raises theta_net.Error naming it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "border.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/replay/event_writer.hpp"
#include "theta_net/replay/json_value.hpp"
#include "theta_net/session/game_client.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/sim/player_state.hpp"
#include "theta_net/transport/endpoint.hpp"
#include "theta_net/world/world_bounds.hpp"

namespace theta_net::bindings {

// The endpoint inside a SimEndpoint, QuicServer or QuicClient.
transport::Endpoint& endpoint_of(const py::object& obj);

// A world size from Python: None (unbounded) or (x, z) blocks.
world::WorldBounds bounds_of(const std::optional<std::pair<std::int64_t, std::int64_t>>& size);

// The data tables a game runs with: the reference game's plus, when `user_toml` (schema TOML
// text) is given, the application's (`user`, null without). Raises theta_net.Error for TOML that
// does not parse or a table that clashes with a reference one.
struct GameDataSchemas {
  std::shared_ptr<const data::DataSchema> user, composed;
};
GameDataSchemas game_data_schemas(const std::optional<std::string>& user_toml);

session::GameServerConfig server_config(const std::string& terrain, std::uint64_t seed,
                                        std::uint32_t tick_rate, std::int32_t view_radius,
                                        std::uint64_t bytes_per_second, std::uint32_t hash_interval,
                                        world::WorldBounds bounds);

// Auth tokens and the names of their roles, as the handshake takes them (an unknown role name is
// a ProtocolError naming the roles).
std::map<std::string, protocol::Role> role_tokens(const std::map<std::string, std::string>& tokens);

// An event stream at `path` with this build's header, or none without a path.
std::unique_ptr<replay::EventWriter> open_stream(const std::optional<std::string>& path,
                                                 const std::string& scenario, std::uint64_t seed,
                                                 std::uint32_t tick_rate, const std::string& role,
                                                 replay::JsonObject extra = {});

py::tuple vec(const sim::Vec3& v);
py::dict player_dict(std::uint64_t id, const std::string& name, const sim::PlayerState& s);

// Sets what the player does from now on: move buttons by name, yaw and pitch in degrees, and
// once a block placed or broken (face and block by name, or the block's id).
void set_intent(session::GameClient& c, const std::vector<std::string>& move, double yaw_degrees,
                double pitch_degrees, const std::optional<std::tuple<int, int, int>>& place,
                const std::optional<std::tuple<int, int, int>>& dig, const std::string& face,
                const py::object& block);

}  // namespace theta_net::bindings
