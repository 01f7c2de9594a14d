// JSON text of a message, for logs, event streams and size comparisons: an object of the
// message's fields in schema order; enums by name, bytes in base64, absent optionals null, floats
// in their shortest round-trip form. Deterministic: the same message always gives the same text.
#pragma once

#include <string>

#include "theta_net/protocol/messages.hpp"

namespace theta_net::protocol {

std::string to_json(const AnyMessage& message);

// RFC 4648 base64 with padding.
std::string base64(ByteSpan data);

}  // namespace theta_net::protocol
