#include "theta_net/collab/data_write_command.hpp"

#include "theta_net/core/varint.hpp"
#include "theta_net/data/op_codec.hpp"

namespace theta_net::collab {

Bytes data_write_payload(std::uint32_t ops, ByteSpan ops_payload) {
  Bytes out;
  ByteWriter w(out);
  write_varint(w, ops);
  w.bytes(ops_payload);
  return out;
}

Bytes encode_data_write(const data::DataSchema& schema, const std::vector<data::Op>& ops) {
  Bytes out;
  ByteWriter w(out);
  write_varint(w, ops.size());
  data::encode_ops(schema, ops, out);
  return out;
}

Result<std::vector<data::Op>> decode_data_write(const data::DataSchema& schema, ByteSpan payload,
                                                std::size_t max_payload_bytes) {
  if (payload.size() > max_payload_bytes) {
    return make_error(ErrorCode::kLimitExceeded, "a data_write payload of ", payload.size(),
                      " bytes; at most ", max_payload_bytes, " are taken");
  }
  ByteReader in(payload);
  THETA_TRY_ASSIGN(const std::uint64_t count, read_varint(in, "data_write op count"));
  // decode_ops bounds the count by the bytes that follow before it allocates.
  data::OpLimits limits;
  limits.max_payload_bytes = max_payload_bytes;
  return data::decode_ops(schema, in.rest(), count, limits);
}

}  // namespace theta_net::collab
