#include "theta_net/transport/lane.hpp"

namespace theta_net::transport {
namespace {
constexpr std::array<std::string_view, kLaneCount> kNames = {
    "control", "input", "entities", "chunks", "replication", "chat", "diagnostics", "assets"};
}

std::string_view lane_name(Lane lane) {
  const auto i = lane_index(lane);
  return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

std::optional<Lane> lane_from_byte(std::uint8_t id) {
  if (id >= kLaneCount) return std::nullopt;
  return static_cast<Lane>(id);
}

std::optional<Lane> lane_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Lane>(i);
  }
  return std::nullopt;
}

}  // namespace theta_net::transport
