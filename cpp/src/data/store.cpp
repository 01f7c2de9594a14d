#include "theta_net/data/store.hpp"

#include "theta_net/core/siphash.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::data {
namespace {

// Every table's entities in id order, each with its mask and its present components' values in
// wire form: the content canonical_bytes and digest cover.
void write_content(const Store& store, ByteWriter& out) {
  for (std::size_t t = 0; t < store.table_count(); ++t) {
    const Table& table = store.table(t);
    const TableSpec& spec = table.spec();
    write_varint(out, table.size());
    for (std::size_t row = 0; row < table.size(); ++row) {
      write_varint(out, table.ids()[row]);
      write_varint(out, table.mask(row));
      for (std::size_t c = 0; c < spec.components.size(); ++c) {
        if (!table.has(row, c)) continue;
        const auto& fields = spec.components[c].fields;
        for (std::size_t f = 0; f < fields.size(); ++f) fields[f].encode(table.get(row, c, f), out);
      }
    }
  }
}

}  // namespace

Store::Store(std::shared_ptr<const DataSchema> schema) : schema_(std::move(schema)) {
  tables_.reserve(schema_->tables().size());
  for (const auto& spec : schema_->tables()) tables_.emplace_back(spec);
}

// Tables point into the schema, which the copy shares, so copying them member-wise is right.
Store::Store(const Store& other) = default;
Store& Store::operator=(const Store& other) = default;

std::size_t Store::size() const {
  std::size_t entities = 0;
  for (const auto& table : tables_) entities += table.size();
  return entities;
}

Status Store::check(const std::vector<Op>& ops) const {
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (op.table >= tables_.size()) {
      return make_error(ErrorCode::kOutOfRange, "op ", i, ": table ", op.table,
                        " is past the schema's ", tables_.size());
    }
    auto valid = tables_[op.table].check_op(op);
    if (!valid.ok()) {
      return make_error(valid.error().code, "op ", i, " (", valid.error().message, ")");
    }
  }
  return {};
}

Status Store::apply(const Batch& batch) {
  if (batch.base_version != version_) {
    return make_error(ErrorCode::kState, "batch ", batch.base_version, "..", batch.version,
                      " does not start at the store's version ", version_);
  }
  if (batch.version <= batch.base_version) {
    return make_error(ErrorCode::kState, "batch version ", batch.version, " is not above its base ",
                      batch.base_version);
  }
  THETA_TRY(check(batch.ops));
  for (const Op& op : batch.ops) tables_[op.table].apply(op);
  version_ = batch.version;
  return {};
}

Status Store::apply_ops(const std::vector<Op>& ops) {
  THETA_TRY(check(ops));
  for (const Op& op : ops) tables_[op.table].apply(op);
  return {};
}

void Store::clear() {
  for (auto& table : tables_) table.clear();
  version_ = 0;
}

Bytes Store::canonical_bytes() const {
  Bytes bytes;
  ByteWriter out(bytes);
  out.u64le(schema_->hash());
  write_varint(out, version_);
  write_content(*this, out);
  return bytes;
}

std::uint64_t Store::digest() const {
  Bytes bytes;
  ByteWriter out(bytes);
  out.u64le(schema_->hash());
  write_content(*this, out);
  return siphash24(SipKey{0, 0}, bytes);
}

std::size_t Store::memory_bytes() const {
  std::size_t bytes = sizeof(*this);
  for (const auto& table : tables_) bytes += table.memory_bytes();
  return bytes;
}

bool Store::operator==(const Store& other) const {
  if (version_ != other.version_) return false;
  if (schema_ != other.schema_ && !(*schema_ == *other.schema_)) return false;
  return tables_ == other.tables_;
}

}  // namespace theta_net::data
