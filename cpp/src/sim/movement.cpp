#include "theta_net/sim/movement.hpp"

#include "theta_net/sim/angle.hpp"

namespace theta_net::sim {
namespace {

using world::BlockPos;
namespace bits = protocol::movebuttons_bits;

std::int64_t floor_block(Fx v) {
  return v.floor();
}
// The last cell a half-open interval ending at `v` touches: ceil(v) - 1.
std::int64_t last_cell(Fx v) {
  return (v - Fx::from_raw(1)).floor();
}

bool solid(world::ChunkStore& w, std::int64_t x, std::int64_t y, std::int64_t z) {
  return world::block_info(
             w.block_at(BlockPos{static_cast<std::int32_t>(x), static_cast<std::int32_t>(y),
                                 static_cast<std::int32_t>(z)}))
      .solid;
}

struct Box {
  Fx min[3];
  Fx max[3];
};

Box box_at(const Vec3& feet, const Rules& r) {
  return Box{{feet.x - r.half_width, feet.y, feet.z - r.half_width},
             {feet.x + r.half_width, feet.y + r.height, feet.z + r.half_width}};
}

// Moves the box along one axis by `delta`, stopping at the first solid cell the box would enter.
// Boxes are half-open ([min, max)), so a box may rest exactly against a block face. Returns the
// distance actually moved.
Fx sweep(Box& box, int axis, Fx delta, world::ChunkStore& w) {
  if (delta == Fx{}) return delta;
  const int a = (axis + 1) % 3;
  const int b = (axis + 2) % 3;
  const std::int64_t a0 = floor_block(box.min[a]), a1 = last_cell(box.max[a]);
  const std::int64_t b0 = floor_block(box.min[b]), b1 = last_cell(box.max[b]);
  auto cell_blocked = [&](std::int64_t c) {
    for (std::int64_t i = a0; i <= a1; ++i) {
      for (std::int64_t j = b0; j <= b1; ++j) {
        std::int64_t xyz[3];
        xyz[axis] = c;
        xyz[a] = i;
        xyz[b] = j;
        if (solid(w, xyz[0], xyz[1], xyz[2])) return true;
      }
    }
    return false;
  };
  Fx moved = delta;
  if (delta > Fx{}) {
    const std::int64_t first = last_cell(box.max[axis]) + 1;
    const std::int64_t last = last_cell(box.max[axis] + delta);
    for (std::int64_t c = first; c <= last; ++c) {
      if (cell_blocked(c)) {
        moved = Fx::from_int(c) - box.max[axis];
        break;
      }
    }
  } else {
    const std::int64_t first = floor_block(box.min[axis]) - 1;
    const std::int64_t last = floor_block(box.min[axis] + delta);
    for (std::int64_t c = first; c >= last; --c) {
      if (cell_blocked(c)) {
        moved = Fx::from_int(c + 1) - box.min[axis];
        break;
      }
    }
  }
  box.min[axis] += moved;
  box.max[axis] += moved;
  return moved;
}

}  // namespace

bool box_collides(const Vec3& feet, world::ChunkStore& w, const Rules& rules) {
  const Box box = box_at(feet, rules);
  for (std::int64_t x = floor_block(box.min[0]); x <= last_cell(box.max[0]); ++x) {
    for (std::int64_t y = floor_block(box.min[1]); y <= last_cell(box.max[1]); ++y) {
      for (std::int64_t z = floor_block(box.min[2]); z <= last_cell(box.max[2]); ++z) {
        if (solid(w, x, y, z)) return true;
      }
    }
  }
  return false;
}

MoveResult step_movement(PlayerState& p, const protocol::InputFrame& input, world::ChunkStore& w,
                         const Rules& rules) {
  MoveResult result;
  const Fx dt = rules.dt();
  p.yaw = input.yaw;
  p.pitch = input.pitch;

  // Steering: the wished horizontal velocity from the buttons, turned by the yaw.
  std::int64_t forward = 0;
  std::int64_t strafe = 0;
  if (input.buttons & bits::kForward) ++forward;
  if (input.buttons & bits::kBack) --forward;
  if (input.buttons & bits::kRight) ++strafe;
  if (input.buttons & bits::kLeft) --strafe;
  Fx speed = rules.walk_speed;
  if (input.buttons & bits::kSneak) {
    speed = rules.sneak_speed;
  } else if ((input.buttons & bits::kSprint) && forward > 0) {
    speed = rules.sprint_speed;
  }
  if (forward != 0 && strafe != 0) speed = speed * Fx::from_raw(46341);  // 1/sqrt(2)
  const Fx sin_yaw = sin_turn(p.yaw);
  const Fx cos_yaw = cos_turn(p.yaw);
  // yaw 0 faces +z; turning right (yaw increasing) swings forward toward -x, as in Minecraft.
  const Fx wish_x = (-sin_yaw * forward - cos_yaw * strafe) * speed;
  const Fx wish_z = (cos_yaw * forward - sin_yaw * strafe) * speed;
  if (p.on_ground) {
    p.velocity.x = wish_x;
    p.velocity.z = wish_z;
  } else {
    p.velocity.x += (wish_x - p.velocity.x) * rules.air_control;
    p.velocity.z += (wish_z - p.velocity.z) * rules.air_control;
  }

  if (p.on_ground && (input.buttons & bits::kJump)) p.velocity.y = rules.jump_speed;
  // Trapezoidal step under constant gravity: exact, so a jump peaks at v^2 / 2g at any tick rate.
  const Fx v_start = p.velocity.y;
  p.velocity.y -= rules.gravity * dt;
  if (p.velocity.y < -rules.terminal_speed) p.velocity.y = -rules.terminal_speed;

  Box box = box_at(p.position, rules);
  const Fx want_y = (v_start + p.velocity.y) * Fx::from_ratio(1, 2) * dt;
  const Fx moved_y = sweep(box, 1, want_y, w);
  const bool was_on_ground = p.on_ground;
  p.on_ground = want_y < Fx{} && moved_y != want_y;
  if (moved_y != want_y) {
    if (p.on_ground && !was_on_ground && -p.velocity.y > rules.safe_fall_speed) {
      result.damage = static_cast<std::int16_t>((-p.velocity.y - rules.safe_fall_speed).floor());
      // Here, not in the server's step: the client's prediction takes the same damage.
      p.health = static_cast<std::int16_t>(p.health - result.damage);
    }
    p.velocity.y = Fx{};
  }
  result.landed = p.on_ground && !was_on_ground;
  if (sweep(box, 0, p.velocity.x * dt, w) != p.velocity.x * dt) p.velocity.x = Fx{};
  if (sweep(box, 2, p.velocity.z * dt, w) != p.velocity.z * dt) p.velocity.z = Fx{};
  p.position = Vec3{box.min[0] + rules.half_width, box.min[1], box.min[2] + rules.half_width};
  p.last_input_sequence = input.sequence;
  return result;
}

}  // namespace theta_net::sim
