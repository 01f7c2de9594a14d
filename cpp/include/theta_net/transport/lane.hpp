// Lanes: the logical channels of one theta_net connection (DESIGN.md, "Channels"). Every
// transport (QUIC, SimNet) offers the same lanes with the same semantics, so the session layer
// never knows which one it runs on.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace theta_net::transport {

enum class Lane : std::uint8_t {
  kControl = 0,      // reliable, ordered; QUIC: client-initiated bidirectional stream 0
  kInput = 1,        // unreliable datagrams (client -> server input bundles)
  kEntities = 2,     // unreliable datagrams (server -> client entity deltas)
  kChunks = 3,       // reliable, ordered
  kReplication = 4,  // reliable, ordered
  kChat = 5,         // reliable, ordered
  kDiagnostics = 6,  // reliable, ordered
  kAssets = 7,       // reliable, unordered; QUIC: one stream per frame, so no head-of-line
};

inline constexpr std::size_t kLaneCount = 8;
inline constexpr std::array<Lane, kLaneCount> kAllLanes = {
    Lane::kControl,     Lane::kInput, Lane::kEntities,    Lane::kChunks,
    Lane::kReplication, Lane::kChat,  Lane::kDiagnostics, Lane::kAssets};

// The largest QUIC DATAGRAM payload we send: ngtcp2 0.12 stalls a connection forever on a
// datagram larger than the path allows (see docs/transport.md), and quinn reports 1152 here.
inline constexpr std::size_t kMaxDatagramPayload = 1150;
// One byte of it is the lane id, so this is the largest message on an unreliable lane.
inline constexpr std::size_t kMaxDatagramMessage = kMaxDatagramPayload - 1;
// Default bound on one reliable message, so a peer cannot make us buffer unbounded data.
inline constexpr std::size_t kDefaultMaxMessageSize = 16u << 20;

constexpr bool is_reliable(Lane lane) {
  return lane != Lane::kInput && lane != Lane::kEntities;
}
constexpr std::size_t lane_index(Lane lane) {
  return static_cast<std::size_t>(lane);
}

// "control", "input", ... (stable: used in logs, stats JSON and Python).
std::string_view lane_name(Lane lane);
// The lane with this wire id, or nothing for an unknown id (the byte came from a peer).
std::optional<Lane> lane_from_byte(std::uint8_t id);
std::optional<Lane> lane_from_name(std::string_view name);

}  // namespace theta_net::transport
