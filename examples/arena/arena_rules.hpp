// The arena: a top-down shooter, and the second game built on theta_net (docs/arena.md). It uses
// only the toolkit's public, generic API: its own replicated component, its own input schema and
// its own deterministic step; nothing of the reference voxel game (sim/, world/, the session's
// GameServer and GameClient).
//
// Players move on a square floor walled at +-kHalfSize blocks, around four square pillars, with a
// stick (acceleration towards the stick's velocity, then friction), and fire a hit-scan weapon
// along their aim. A hit costs kDamage health; at zero the player respawns and the shooter
// scores. Everything is fixed point: the client's prediction and the server's simulation agree
// to the last bit unless the server knows something the client did not (a respawn, a push).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <theta_net/core/fixed_point.hpp>
#include <theta_net/netcode/input_schema.hpp>
#include <theta_net/netcode/predictor.hpp>
#include <theta_net/replication/component_registry.hpp>

namespace arena {

using theta_net::Fx;

inline constexpr Fx kHalfSize = Fx::from_int(24);          // the floor is 48 x 48 blocks
inline constexpr Fx kPlayerRadius = Fx::from_ratio(2, 5);  // a player's half width
inline constexpr Fx kMaxSpeed = Fx::from_int(7);           // blocks per second
inline constexpr Fx kAcceleration = Fx::from_int(60);      // blocks per second squared
inline constexpr Fx kWeaponRange = Fx::from_int(30);
inline constexpr std::int64_t kMaxHealth = 100;
inline constexpr std::int64_t kDamage = 25;
inline constexpr std::int64_t kMaxScore = 100000;
inline constexpr std::int64_t kSpawnWrap = 1 << 16;

// A pillar: an axis-aligned square no player walks through.
struct Pillar {
  Fx x, y, half;
};
inline constexpr std::array<Pillar, 4> kPillars{
    {{Fx::from_int(-8), Fx::from_int(-8), Fx::from_int(2)},
     {Fx::from_int(8), Fx::from_int(-8), Fx::from_int(2)},
     {Fx::from_int(-8), Fx::from_int(8), Fx::from_int(2)},
     {Fx::from_int(8), Fx::from_int(8), Fx::from_int(2)}}};

// What the client predicts: its own body, at full precision.
struct Body {
  Fx x, y;    // centre, blocks
  Fx vx, vy;  // blocks per second
  // Which life this is (counts respawns, modulo kSpawnWrap). A respawn is a teleport the client
  // cannot predict: the model reports it as such, not as a prediction error.
  std::int64_t spawn = 0;
  bool operator==(const Body&) const = default;
};

// One tick's input, as the simulation reads it (decoded from the input schema's codes).
struct Input {
  Fx move_x, move_y;     // the stick, each -1..1
  std::int64_t aim = 0;  // 1/4096 turn, counter-clockwise from +x
  bool fire = false;
  // How far behind this input's tick the world the player saw was drawn, in 1/16 ticks: the
  // server judges the shot there (lag compensation), as the Source engine does.
  std::int64_t view_lag = 0;
  bool operator==(const Input&) const = default;
};

inline constexpr std::int64_t kViewLagSteps = 16;  // view_lag units per tick
inline constexpr std::int64_t kMaxViewLag = 4095;  // 255 ticks and 15/16
inline constexpr std::size_t kInputSlots = 5;

// The input schema: move_x, move_y (fixed, 1/256 steps), aim (12-bit angle), fire (one-shot),
// view_lag (integer 0..kMaxViewLag).
const theta_net::netcode::InputSchema& input_schema();
// Codes (input_schema()'s) <-> Input.
Input input_from_codes(std::span<const std::int64_t> codes);
std::array<std::int64_t, kInputSlots> codes_from_input(const Input& input);

// The replicated components: "arena.Body" (the own-state message's encoding, full precision) and
// "arena.Player" (what everyone sees of a player: position at 1/64 block, aim, health, score).
struct Components {
  std::shared_ptr<const theta_net::replication::Schema> schema;  // holds arena.Player
  theta_net::replication::ComponentType body;
  theta_net::replication::ComponentType player;
  std::size_t player_index = 0;  // arena.Player's index in `schema`
};
const Components& components();

// arena.Body codes <-> Body.
inline constexpr std::size_t kBodySlots = 5;
std::array<std::int64_t, kBodySlots> body_codes(const Body& body);
Body body_from_codes(std::span<const std::int64_t> codes);

// The movement step at `tick_rate`: acceleration towards the stick's velocity, then the walls and
// pillars (each axis on its own, so a player slides along a wall).
void step_body(Body& body, const Input& input, std::uint32_t tick_rate);

// Where a shot from `body` along `aim` ends (kWeaponRange away).
std::array<Fx, 2> shot_end(const Body& body, std::int64_t aim);
// cos and sin of an angle in 1/4096 turns, exact and the same everywhere (a table built from
// integer arithmetic).
std::array<Fx, 2> direction(std::int64_t aim);

// The prediction model (netcode::PredictionModel): the client predicts its body only; health and
// score are the server's. Any difference is a correction (the step is exact).
struct Model {
  using State = Body;
  using Input = arena::Input;
  struct Diff {
    Fx position;             // the larger of |dx| and |dy|
    Fx velocity;             // the larger of |dvx| and |dvy|
    bool respawned = false;  // the server's body is a later life
  };
  std::uint32_t tick_rate = 60;

  void step(State& state, const Input& input, std::uint32_t) const {
    step_body(state, input, tick_rate);
  }
  Diff compare(const State& predicted, const State& authoritative) const;
  bool needs_correction(const Diff& diff) const {
    return diff.respawned || diff.position.raw() != 0 || diff.velocity.raw() != 0;
  }
};
static_assert(theta_net::netcode::PredictionModel<Model>);

// The body of a player's n-th life: at a spawn point (corners and edges in turn), standing.
Body spawn_point(std::uint64_t player, std::uint64_t spawn_count);

}  // namespace arena
