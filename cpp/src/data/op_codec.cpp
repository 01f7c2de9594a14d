#include "theta_net/data/op_codec.hpp"

#include <bit>

#include "theta_net/core/varint.hpp"

namespace theta_net::data {
namespace {

// The smallest op on the wire: a one-byte table, a one-byte entity and the kind.
constexpr std::size_t kMinOpBytes = 3;

void encode_op(const DataSchema& schema, const Op& op, ByteWriter& out) {
  write_varint(out, op.table);
  write_varint(out, op.entity);
  out.u8(static_cast<std::uint8_t>(op.kind));
  switch (op.kind) {
    case OpKind::kUpsert: {
      std::uint64_t mask = 0;
      for (const auto& write : op.writes) mask |= std::uint64_t{1} << write.component;
      write_varint(out, mask);
      const TableSpec& table = schema.table(op.table);
      for (const auto& write : op.writes) {
        std::uint64_t fields = 0;
        for (const auto& field : write.fields) fields |= std::uint64_t{1} << field.field;
        write_varint(out, fields);
        const ComponentSpec& component = table.components[write.component];
        for (const auto& field : write.fields) {
          component.fields[field.field].encode(field.value, out);
        }
      }
      break;
    }
    case OpKind::kRemoveComponents:
      write_varint(out, op.components);
      break;
    case OpKind::kRemoveEntity:
      break;
  }
}

// A mask naming only indices below `size` (size <= 64).
bool mask_fits(std::uint64_t mask, std::size_t size) {
  return size >= 64 || (mask >> size) == 0;
}

Result<Op> decode_op(const DataSchema& schema, ByteReader& in) {
  Op op;
  const std::size_t start = in.offset();
  THETA_TRY_ASSIGN(std::uint64_t table, read_varint(in, "table"));
  if (table >= schema.tables().size()) {
    return make_error(ErrorCode::kOutOfRange, "table ", table, " at offset ", start,
                      " is past the schema's ", schema.tables().size());
  }
  op.table = static_cast<std::uint16_t>(table);
  THETA_TRY_ASSIGN(op.entity, read_varint(in, "entity"));
  THETA_TRY_ASSIGN(std::uint8_t kind, in.u8("op kind"));
  if (kind > static_cast<std::uint8_t>(OpKind::kRemoveEntity)) {
    return make_error(ErrorCode::kCorrupt, "unknown op kind ", int{kind}, " at offset ",
                      in.offset() - 1);
  }
  op.kind = static_cast<OpKind>(kind);
  const TableSpec& spec = schema.table(op.table);
  switch (op.kind) {
    case OpKind::kUpsert: {
      THETA_TRY_ASSIGN(std::uint64_t mask, read_varint(in, "component mask"));
      if (!mask_fits(mask, spec.components.size())) {
        return make_error(ErrorCode::kOutOfRange, spec.name, " entity ", op.entity,
                          ": component mask ", mask, " names components past the table's ",
                          spec.components.size());
      }
      op.writes.reserve(static_cast<std::size_t>(std::popcount(mask)));
      for (; mask != 0; mask &= mask - 1) {
        const auto c = static_cast<std::uint16_t>(std::countr_zero(mask));
        const ComponentSpec& component = spec.components[c];
        ComponentWrite write;
        write.component = c;
        THETA_TRY_ASSIGN(std::uint64_t fields, read_varint(in, "field mask"));
        if (!mask_fits(fields, component.fields.size())) {
          return make_error(ErrorCode::kOutOfRange, spec.name, " entity ", op.entity, ", ",
                            component.name, ": field mask ", fields,
                            " names fields past the component's ", component.fields.size());
        }
        write.fields.reserve(static_cast<std::size_t>(std::popcount(fields)));
        for (; fields != 0; fields &= fields - 1) {
          const auto f = static_cast<std::uint16_t>(std::countr_zero(fields));
          auto value = component.fields[f].decode(in);
          if (!value.ok()) {
            return make_error(value.error().code, spec.name, " entity ", op.entity, ", ",
                              component.name, ": ", value.error().message);
          }
          write.fields.push_back(FieldWrite{f, std::move(value).value()});
        }
        op.writes.push_back(std::move(write));
      }
      break;
    }
    case OpKind::kRemoveComponents: {
      THETA_TRY_ASSIGN(op.components, read_varint(in, "remove mask"));
      if (op.components == 0) {
        return make_error(ErrorCode::kCorrupt, spec.name, " entity ", op.entity,
                          ": a remove of no components");
      }
      if (!mask_fits(op.components, spec.components.size())) {
        return make_error(ErrorCode::kOutOfRange, spec.name, " entity ", op.entity,
                          ": remove mask ", op.components, " names components past the table's ",
                          spec.components.size());
      }
      break;
    }
    case OpKind::kRemoveEntity:
      break;
  }
  return op;
}

}  // namespace

void encode_ops(const DataSchema& schema, const std::vector<Op>& ops, Bytes& out) {
  ByteWriter writer(out);
  for (const Op& op : ops) encode_op(schema, op, writer);
}

Bytes encode_ops(const DataSchema& schema, const std::vector<Op>& ops) {
  Bytes out;
  encode_ops(schema, ops, out);
  return out;
}

Result<std::vector<Op>> decode_ops(const DataSchema& schema, ByteSpan payload, std::uint64_t count,
                                   OpLimits limits) {
  if (payload.size() > limits.max_payload_bytes) {
    return make_error(ErrorCode::kLimitExceeded, "an ops payload of ", payload.size(),
                      " bytes is over the limit of ", limits.max_payload_bytes);
  }
  if (count > limits.max_ops) {
    return make_error(ErrorCode::kLimitExceeded, count, " ops is over the limit of ",
                      limits.max_ops);
  }
  // Checked before reserving: a count the payload cannot hold allocates nothing.
  if (count > payload.size() / kMinOpBytes) {
    return make_error(ErrorCode::kTruncated, count, " ops cannot fit in ", payload.size(),
                      " bytes");
  }
  ByteReader in(payload);
  std::vector<Op> ops;
  ops.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    auto op = decode_op(schema, in);
    if (!op.ok()) {
      return make_error(op.error().code, "op ", i, " of ", count, ": ", op.error().message);
    }
    ops.push_back(std::move(op).value());
  }
  if (!in.empty()) {
    return make_error(ErrorCode::kCorrupt, in.remaining(), " bytes after the last of ", count,
                      " ops");
  }
  return ops;
}

std::vector<SnapshotChunkData> encode_snapshot(const Store& store, std::size_t chunk_bytes) {
  std::vector<SnapshotChunkData> chunks;
  SnapshotChunkData current;
  for (std::size_t t = 0; t < store.table_count(); ++t) {
    const Table& table = store.table(t);
    for (std::size_t row = 0; row < table.size(); ++row) {
      const std::size_t before = current.payload.size();
      const Op op = table.row_as_op(row, static_cast<std::uint16_t>(t));
      ByteWriter out(current.payload);
      encode_op(store.schema(), op, out);
      // Over the size with entities already in the chunk: close it and start the next with
      // this entity, so only a single entity larger than chunk_bytes makes a chunk exceed it.
      if (current.entities > 0 && current.payload.size() > chunk_bytes) {
        SnapshotChunkData next;
        next.payload.assign(current.payload.begin() + static_cast<std::ptrdiff_t>(before),
                            current.payload.end());
        current.payload.resize(before);
        chunks.push_back(std::move(current));
        current = std::move(next);
      }
      ++current.entities;
    }
  }
  if (current.entities > 0) chunks.push_back(std::move(current));
  return chunks;
}

}  // namespace theta_net::data
