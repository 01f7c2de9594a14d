// The wire schema and the transport number lanes and close codes independently (the transport
// sits below the protocol and does not know the schema); these checks keep them the same.
#include "theta_net/protocol/frame.hpp"
#include "theta_net/protocol/messages.hpp"
#include "theta_net/transport/close_code.hpp"
#include "theta_net/transport/lane.hpp"

namespace theta_net::protocol {
namespace {

constexpr bool same_lane(LaneId id, transport::Lane lane) {
  return static_cast<unsigned>(id) == static_cast<unsigned>(lane);
}
static_assert(same_lane(LaneId::kControl, transport::Lane::kControl));
static_assert(same_lane(LaneId::kInput, transport::Lane::kInput));
static_assert(same_lane(LaneId::kEntities, transport::Lane::kEntities));
static_assert(same_lane(LaneId::kChunks, transport::Lane::kChunks));
static_assert(same_lane(LaneId::kReplication, transport::Lane::kReplication));
static_assert(same_lane(LaneId::kChat, transport::Lane::kChat));
static_assert(same_lane(LaneId::kDiagnostics, transport::Lane::kDiagnostics));
static_assert(same_lane(LaneId::kAssets, transport::Lane::kAssets));

constexpr bool same_code(CloseCode code, transport::CloseCode t) {
  return static_cast<std::uint64_t>(code) == transport::code_value(t);
}
static_assert(same_code(CloseCode::kNormal, transport::CloseCode::kNormal));
static_assert(same_code(CloseCode::kShutdown, transport::CloseCode::kShutdown));
static_assert(same_code(CloseCode::kProtocolError, transport::CloseCode::kProtocolError));
static_assert(same_code(CloseCode::kMessageTooLarge, transport::CloseCode::kMessageTooLarge));
static_assert(same_code(CloseCode::kResourceLimit, transport::CloseCode::kResourceLimit));
static_assert(same_code(CloseCode::kHandshakeRejected, transport::CloseCode::kHandshakeRejected));
static_assert(same_code(CloseCode::kKicked, transport::CloseCode::kKicked));
static_assert(kMaxDatagramFrameBytes == transport::kMaxDatagramMessage);
static_assert(static_cast<std::uint64_t>(CloseCode::kBanned) >=
              transport::code_value(transport::CloseCode::kFirstSessionCode));

}  // namespace
}  // namespace theta_net::protocol
