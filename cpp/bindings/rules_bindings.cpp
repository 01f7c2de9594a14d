// The reference game's rules as Python sees them: the tick rates, terrain generators, blocks,
// move buttons, block faces, angle units and walking speed are defined once in C++ (sim/, world/
// and the protocol schema) and exported here, so the scenario schema and tools read them instead
// of restating them.
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "border.hpp"
#include "theta_net/protocol/messages.hpp"
#include "theta_net/sim/angle.hpp"
#include "theta_net/sim/mobs.hpp"
#include "theta_net/sim/rules.hpp"
#include "theta_net/world/block.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::bindings {

using namespace pybind11::literals;

void bind_rules(py::module_& m) {
  m.def(
      "tick_rates",
      [] {
        return std::vector<std::uint32_t>(sim::kSupportedTickRates.begin(),
                                          sim::kSupportedTickRates.end());
      },
      "The tick rates (per second) servers, replays and scenarios accept.");
  m.def(
      "max_mobs", [] { return sim::kMaxMobs; },
      "The most server-driven mobs a world may hold (LocalGame's mobs, a scenario's world.mobs).");
  m.def(
      "terrain_names",
      [] {
        return std::vector<std::string>(world::kTerrainNames.begin(), world::kTerrainNames.end());
      },
      "The terrain generators by name (LocalGame's terrain, a scenario's world.generator).");
  m.def(
      "block_names",
      [] {
        py::dict out;
        for (world::BlockId id = 0; id < world::blocks::kCount; ++id)
          out[py::str(std::string(world::block_info(id).name))] = id;
        return out;
      },
      "The reference game's blocks: name -> id.");
  m.def(
      "move_buttons",
      [] {
        py::dict out;
        for (const auto& [name, bit] : protocol::movebuttons_bits::kEntries)
          out[py::str(std::string(name))] = bit;
        return out;
      },
      "The move buttons an intent takes: name -> bit of InputFrame.buttons.");
  m.def(
      "block_faces",
      [] {
        std::vector<std::string> out;
        for (const auto& entry : protocol::EnumTraits<protocol::BlockFace>::kEntries)
          out.emplace_back(entry.name);
        return out;
      },
      "The faces a placement attaches to, in the protocol's order.");
  m.def(
      "walk_speed", [] { return sim::Rules{}.walk_speed.to_double(); },
      "Walking speed in blocks per second (sim::Rules): the unit that turns a prediction error "
      "in blocks into milliseconds.");
  m.def("yaw_from_degrees", &sim::yaw_from_degrees, "degrees"_a,
        "Degrees (0 faces +z, 90 faces -x) to the 1/65536-turn units inputs carry (wraps).");
  m.def("pitch_from_degrees", &sim::pitch_from_degrees, "degrees"_a,
        "Degrees (-90 down .. 90 up) to the units inputs carry, -16384..16384 (clamped).");
  m.def("degrees_from_yaw", &sim::degrees_from_yaw, "yaw"_a,
        "A yaw in 1/65536-turn units (as players report it) in degrees, 0 <= d < 360.");
  m.def("degrees_from_pitch", &sim::degrees_from_pitch, "pitch"_a,
        "A pitch in units (-16384..16384) in degrees, -90..90.");
}

}  // namespace theta_net::bindings
