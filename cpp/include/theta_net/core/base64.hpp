// RFC 4648 base64 with padding: bytes in JSON (protocol/message_json) and the WebSocket
// handshake's keys (transport/http_upgrade).
#pragma once

#include <string>

#include "theta_net/core/byte_io.hpp"

namespace theta_net {

std::string base64(ByteSpan data);

}  // namespace theta_net
