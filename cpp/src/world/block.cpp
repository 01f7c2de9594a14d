#include "theta_net/world/block.hpp"

#include <array>

namespace theta_net::world {
namespace {

constexpr std::array<BlockInfo, blocks::kCount> kBlocks = {{
    {"air", false, false, true},
    {"stone", true, true, false},
    {"dirt", true, true, false},
    {"grass", true, true, false},
    {"water", false, false, true},
    {"sand", true, true, false},
    {"gravel", true, true, false},
    {"bedrock", true, false, false},
    {"log", true, true, false},
    {"leaves", true, true, false},
    {"coal_ore", true, true, false},
    {"iron_ore", true, true, false},
    {"gold_ore", true, true, false},
    {"diamond_ore", true, true, false},
    {"planks", true, true, false},
    {"cobblestone", true, true, false},
    {"glass", true, true, false},
}};

constexpr BlockInfo kUnknown = {"unknown", true, false, false};

}  // namespace

const BlockInfo& block_info(BlockId id) {
  return id < kBlocks.size() ? kBlocks[id] : kUnknown;
}

std::optional<BlockId> block_named(std::string_view name) {
  for (std::size_t i = 0; i < kBlocks.size(); ++i) {
    if (kBlocks[i].name == name) return static_cast<BlockId>(i);
  }
  return std::nullopt;
}

}  // namespace theta_net::world
