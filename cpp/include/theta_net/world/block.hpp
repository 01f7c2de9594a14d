// The blocks of theta_net's reference voxel game. A block id is a uint16 (the chunk codec and the
// wire carry any uint16); this table names the ones the reference game, its terrain generator and
// its rules know. Ids are stable: never renumber one (replays and golden streams depend on them).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace theta_net::world {

using BlockId = std::uint16_t;

namespace blocks {
inline constexpr BlockId kAir = 0;
inline constexpr BlockId kStone = 1;
inline constexpr BlockId kDirt = 2;
inline constexpr BlockId kGrass = 3;
inline constexpr BlockId kWater = 4;
inline constexpr BlockId kSand = 5;
inline constexpr BlockId kGravel = 6;
inline constexpr BlockId kBedrock = 7;
inline constexpr BlockId kLog = 8;
inline constexpr BlockId kLeaves = 9;
inline constexpr BlockId kCoalOre = 10;
inline constexpr BlockId kIronOre = 11;
inline constexpr BlockId kGoldOre = 12;
inline constexpr BlockId kDiamondOre = 13;
inline constexpr BlockId kPlanks = 14;
inline constexpr BlockId kCobblestone = 15;
inline constexpr BlockId kGlass = 16;
inline constexpr BlockId kCount = 17;  // ids at or above this are unknown to the reference game
}  // namespace blocks

struct BlockInfo {
  std::string_view name;
  bool solid;        // collides with players
  bool breakable;    // a player may break it
  bool replaceable;  // a placement may overwrite it (air, water)
};

// Properties of a block id; unknown ids are solid, unbreakable and not replaceable.
const BlockInfo& block_info(BlockId id);
// The id of a block by its name ("stone", "planks"), if the reference game knows it.
std::optional<BlockId> block_named(std::string_view name);

}  // namespace theta_net::world
