// examples/data/arena.toml compiled into the data fuzz target (which has no source tree at run
// time); tests/cpp/data/data_schema_test.cpp checks that the two schemas stay equal.
#pragma once

namespace theta_net::data::fuzzing {

inline constexpr const char* kArenaToml = R"toml(
# A small arena game's replicated state: the example schema of docs/data.md, used by the tests.
# Every field type appears here. Fixed-point positions are in blocks (1/256 block steps).

[schema]
name = "arena"
version = "1.1"

[[table]]
name = "players"
spatial = { component = "position", x = "x", y = "y", z = "z" }

[[table.component]]
name = "position"
fields = [
  { name = "x", type = "fixed", min = -4096, max = 4096, frac_bits = 8 },
  { name = "y", type = "fixed", min = -256, max = 512, frac_bits = 8, default = 64 },
  { name = "z", type = "fixed", min = -4096, max = 4096, frac_bits = 8 },
  { name = "yaw", type = "float", min = -180, max = 180, bits = 12, doc = "degrees, quantized" },
]

[[table.component]]
name = "health"
fields = [
  { name = "hp", type = "int", min = 0, max = 100, default = 100 },
  { name = "alive", type = "bool", default = true },
  { name = "shield", type = "int", min = 0, max = 50, since = "1.1", doc = "added in 1.1" },
]

[[table.component]]
name = "inventory"
fields = [
  { name = "slots", type = "int", min = 0, max = 65535, count = 9, doc = "item kind per slot, 0 = empty" },
  { name = "selected", type = "int", min = 0, max = 8 },
]

[[table.component]]
name = "profile"
fields = [
  { name = "name", type = "string", max = 32, default = "player" },
  { name = "team", type = "enum", values = ["none", "red", "blue"] },
  { name = "avatar", type = "bytes", max = 16 },
  { name = "score", type = "f64" },
]

[[table.component]]
name = "spawn_protected"
fields = []

[[table]]
name = "items"
spatial = { component = "position", x = "x", y = "y", z = "z" }

[[table.component]]
name = "position"
fields = [
  { name = "x", type = "fixed", min = -4096, max = 4096, frac_bits = 8 },
  { name = "y", type = "fixed", min = -256, max = 512, frac_bits = 8 },
  { name = "z", type = "fixed", min = -4096, max = 4096, frac_bits = 8 },
]

[[table.component]]
name = "item"
fields = [
  { name = "kind", type = "enum", values = ["coin", "potion", "sword", "shield"] },
  { name = "amount", type = "int", min = 1, max = 64, default = 1 },
  { name = "color", type = "float", min = 0, max = 1, bits = 8, count = 3, default = [1.0, 1.0, 1.0] },
]
)toml";

}  // namespace theta_net::data::fuzzing
