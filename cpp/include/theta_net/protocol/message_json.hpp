// JSON text of a message, for logs, event streams and size comparisons: an object of the
// message's fields in schema order; enums by name, bytes in base64, absent optionals null, floats
// in the shortest digits that read back to the same value of the field's own type (a float32
// 0.1 is "0.1"; an integral double is "2"). Written by core's JsonWriter (its escapes and
// separators). Deterministic: the same message always gives the same text.
#pragma once

#include <string>

#include "theta_net/core/base64.hpp"  // bytes fields are written with it
#include "theta_net/protocol/messages.hpp"

namespace theta_net::protocol {

std::string to_json(const AnyMessage& message);

}  // namespace theta_net::protocol
