#include "theta_net/session/permissions.hpp"

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {

using namespace protocol;

std::optional<PermissionDenied> check_permission(Role role, const AnyMessage& message) {
  const MessageType type = type_of(message);
  const std::string_view role_name = enum_name(role).value_or("unknown");
  PermissionDenied denied;
  denied.message_type = static_cast<std::uint16_t>(type);
  denied.role = role;
  if (!role_may_send(role, type)) {
    denied.text = str_cat("the role ", role_name, " may not send ", message_name(type),
                          "; nothing of it was applied");
    return denied;
  }
  return std::nullopt;
}

}  // namespace theta_net::session
