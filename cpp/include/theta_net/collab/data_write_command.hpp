// The payload of a data_write command (CommandKind::data_write): the ops of one DataWrite.
//
//   payload = varint op count, then the ops in their wire form (data/op_codec.hpp)
//
// A client's ClientDB writes become such commands (CollabClient), and the server decodes them
// against its schema (CollabHost). Decoding is a border: the count is bounded by the bytes that
// follow before anything is allocated.
#pragma once

#include <cstdint>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/ops.hpp"

namespace theta_net::collab {

// The payload for `ops` ops already in their wire form (a DataWrite's ops and payload).
Bytes data_write_payload(std::uint32_t ops, ByteSpan ops_payload);
// The payload for ops (which must pass Store::check: the encoder trusts them).
Bytes encode_data_write(const data::DataSchema& schema, const std::vector<data::Op>& ops);

// Decodes a data_write payload of at most `max_payload_bytes`.
// Errors: kLimitExceeded (a payload over max_payload_bytes), kTruncated (no op count), kCorrupt
// (a non-canonical op count), kOverflow (an op count over 64 bits), and those of
// data::decode_ops (kTruncated for more ops than the bytes that follow can hold).
Result<std::vector<data::Op>> decode_data_write(const data::DataSchema& schema, ByteSpan payload,
                                                std::size_t max_payload_bytes = 65536);

}  // namespace theta_net::collab
