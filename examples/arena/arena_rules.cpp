#include "arena_rules.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <theta_net/core/int128.hpp>

namespace arena {

using theta_net::replication::ComponentType;
using theta_net::replication::FieldDescriptor;

namespace {

constexpr int kAimBits = 12;
constexpr std::int64_t kAimSteps = std::int64_t{1} << kAimBits;

// Declarations that cannot fail but by a bug in this file: stop loudly.
template <class T>
T must(theta_net::Result<T> made, const char* what) {
  if (!made) {
    std::fprintf(stderr, "arena: %s: %s\n", what, made.error().describe().c_str());
    std::abort();
  }
  return std::move(*made);
}

// Q30 arithmetic for the sine table.
constexpr std::int64_t kQ30 = std::int64_t{1} << 30;
constexpr std::int64_t kPiQ30 = 3373259426;  // pi * 2^30, rounded

std::int64_t mul_q30(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>((static_cast<theta_net::int128_t>(a) * b) >> 30);
}

// cos and sin (Q30) of step * (2 pi / 4096) for step in 0..512 (an eighth of a turn), from their
// Taylor series to the 10th power: the terms left out are below 2^-28 there.
std::array<std::int64_t, 2> octant(std::int64_t step) {
  const std::int64_t theta = step * kPiQ30 / (kAimSteps / 2);
  const std::int64_t t2 = mul_q30(theta, theta);
  std::int64_t cos = kQ30, sin = theta, term_c = kQ30, term_s = theta;
  for (std::int64_t n = 1; n <= 5; ++n) {
    term_c = -mul_q30(term_c, t2) / ((2 * n - 1) * (2 * n));
    term_s = -mul_q30(term_s, t2) / ((2 * n) * (2 * n + 1));
    cos += term_c;
    sin += term_s;
  }
  return {cos, sin};
}

struct DirectionTable {
  std::array<std::array<Fx, 2>, kAimSteps> at;
  DirectionTable() {
    const std::int64_t quarter = kAimSteps / 4;
    for (std::int64_t a = 0; a < kAimSteps; ++a) {
      const std::int64_t q = a / quarter, r = a % quarter;
      std::array<std::int64_t, 2> cs = r <= quarter / 2 ? octant(r) : octant(quarter - r);
      if (r > quarter / 2) std::swap(cs[0], cs[1]);
      // Q30 -> Q16, rounded to nearest (the values are not negative here).
      const std::int64_t c = (cs[0] + (1 << 13)) >> 14, s = (cs[1] + (1 << 13)) >> 14;
      const std::int64_t x = q == 0 ? c : q == 1 ? -s : q == 2 ? -c : s;
      const std::int64_t y = q == 0 ? s : q == 1 ? c : q == 2 ? -s : -c;
      at[static_cast<std::size_t>(a)] = {Fx::from_raw(x), Fx::from_raw(y)};
    }
  }
};

Fx per_tick(Fx per_second, std::uint32_t tick_rate) {
  return Fx::from_raw(per_second.raw() / static_cast<std::int64_t>(tick_rate));
}

Fx towards(Fx value, Fx target, Fx max_change) {
  return value + std::clamp(target - value, -max_change, max_change);
}

// Moves one axis by `v` per tick, stopping at the walls and at pillars (entered from the side the
// player came from). `along` is the axis moved (0: x, 1: y).
void move_axis(Body& body, int along, Fx delta) {
  Fx& pos = along == 0 ? body.x : body.y;
  Fx& vel = along == 0 ? body.vx : body.vy;
  const Fx other = along == 0 ? body.y : body.x;
  const Fx before = pos;
  pos = pos + delta;
  const Fx wall = kHalfSize - kPlayerRadius;
  if (pos > wall || pos < -wall) {
    pos = std::clamp(pos, -wall, wall);
    vel = Fx{};
  }
  for (const Pillar& p : kPillars) {
    const Fx pc = along == 0 ? p.x : p.y;
    const Fx po = along == 0 ? p.y : p.x;
    const Fx reach = p.half + kPlayerRadius;
    if ((other - po).abs() >= reach || (pos - pc).abs() >= reach) continue;
    pos = before < pc ? pc - reach : pc + reach;
    vel = Fx{};
  }
}

}  // namespace

const theta_net::netcode::InputSchema& input_schema() {
  static const theta_net::netcode::InputSchema schema =
      must(theta_net::netcode::InputSchema::make(
               "arena.Input", {{FieldDescriptor::fixed("move_x", 8, -Fx::kOne, Fx::kOne)},
                               {FieldDescriptor::fixed("move_y", 8, -Fx::kOne, Fx::kOne)},
                               {FieldDescriptor::angle("aim", kAimBits)},
                               {FieldDescriptor::boolean("fire"), false},
                               {FieldDescriptor::integer("view_lag", 0, kMaxViewLag)}}),
           "the input schema");
  return schema;
}

Input input_from_codes(std::span<const std::int64_t> codes) {
  std::array<std::int64_t, kInputSlots> raw{};
  input_schema().dequantize(codes, raw);
  return Input{Fx::from_raw(raw[0]), Fx::from_raw(raw[1]), codes[2], codes[3] != 0, codes[4]};
}

std::array<std::int64_t, kInputSlots> codes_from_input(const Input& input) {
  const std::array<std::int64_t, kInputSlots> raw{input.move_x.raw(), input.move_y.raw(),
                                                  (input.aim & (kAimSteps - 1)) << (16 - kAimBits),
                                                  input.fire ? 1 : 0, input.view_lag};
  std::array<std::int64_t, kInputSlots> codes{};
  input_schema().type().quantize(raw, codes);
  return codes;
}

const Components& components() {
  static const Components made = [] {
    Components c;
    const std::int64_t edge = (kHalfSize + Fx::from_int(1)).raw();
    c.body =
        must(ComponentType::make(
                 "arena.Body",
                 {FieldDescriptor::fixed("x", 16, -edge, edge),
                  FieldDescriptor::fixed("y", 16, -edge, edge),
                  FieldDescriptor::fixed("vx", 16, -(kMaxSpeed * 2).raw(), (kMaxSpeed * 2).raw()),
                  FieldDescriptor::fixed("vy", 16, -(kMaxSpeed * 2).raw(), (kMaxSpeed * 2).raw()),
                  FieldDescriptor::integer("spawn", 0, kSpawnWrap - 1)}),
             "arena.Body");
    c.player =
        must(ComponentType::make("arena.Player", {FieldDescriptor::fixed("x", 6, -edge, edge),
                                                  FieldDescriptor::fixed("y", 6, -edge, edge),
                                                  FieldDescriptor::angle("aim", kAimBits),
                                                  FieldDescriptor::integer("health", 0, kMaxHealth),
                                                  FieldDescriptor::integer("score", 0, kMaxScore)}),
             "arena.Player");
    c.schema = must(theta_net::replication::Schema::make({c.player}), "the entity schema");
    c.player_index = *c.schema->index_of(c.player.id());
    return c;
  }();
  return made;
}

std::array<std::int64_t, kBodySlots> body_codes(const Body& body) {
  const std::array<std::int64_t, kBodySlots> raw{body.x.raw(), body.y.raw(), body.vx.raw(),
                                                 body.vy.raw(), body.spawn};
  std::array<std::int64_t, kBodySlots> codes{};
  components().body.quantize(raw, codes);
  return codes;
}

Body body_from_codes(std::span<const std::int64_t> codes) {
  std::array<std::int64_t, kBodySlots> raw{};
  components().body.dequantize(codes, raw);
  return Body{Fx::from_raw(raw[0]), Fx::from_raw(raw[1]), Fx::from_raw(raw[2]),
              Fx::from_raw(raw[3]), raw[4]};
}

void step_body(Body& body, const Input& input, std::uint32_t tick_rate) {
  Fx mx = std::clamp(input.move_x, -Fx::from_int(1), Fx::from_int(1));
  Fx my = std::clamp(input.move_y, -Fx::from_int(1), Fx::from_int(1));
  const Fx length = (mx * mx + my * my).sqrt();
  if (length > Fx::from_int(1)) {  // a diagonal is no faster than a straight line
    mx = mx / length;
    my = my / length;
  }
  const Fx change = per_tick(kAcceleration, tick_rate);
  body.vx = towards(body.vx, mx * kMaxSpeed, change);
  body.vy = towards(body.vy, my * kMaxSpeed, change);
  move_axis(body, 0, per_tick(body.vx, tick_rate));
  move_axis(body, 1, per_tick(body.vy, tick_rate));
}

std::array<Fx, 2> direction(std::int64_t aim) {
  static const DirectionTable table;
  return table.at[static_cast<std::size_t>(aim & (kAimSteps - 1))];
}

std::array<Fx, 2> shot_end(const Body& body, std::int64_t aim) {
  const auto [c, s] = direction(aim);
  return {body.x + c * kWeaponRange, body.y + s * kWeaponRange};
}

Model::Diff Model::compare(const State& predicted, const State& authoritative) const {
  return {
      std::max((predicted.x - authoritative.x).abs(), (predicted.y - authoritative.y).abs()),
      std::max((predicted.vx - authoritative.vx).abs(), (predicted.vy - authoritative.vy).abs()),
      predicted.spawn != authoritative.spawn};
}

Body spawn_point(std::uint64_t player, std::uint64_t spawn_count) {
  static constexpr std::array<std::array<int, 2>, 8> kSpawns{
      {{-20, -20}, {20, 20}, {-20, 20}, {20, -20}, {0, -20}, {0, 20}, {-20, 0}, {20, 0}}};
  const auto& at = kSpawns[(player * 3 + spawn_count) % kSpawns.size()];
  return Body{Fx::from_int(at[0]), Fx::from_int(at[1]), Fx{}, Fx{},
              static_cast<std::int64_t>(spawn_count % kSpawnWrap)};
}

}  // namespace arena
