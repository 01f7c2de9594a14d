#include "theta_net/data/store.hpp"

#include "theta_net/core/siphash.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::data {
namespace {

// Every table's entity count and its entities' records (state_hash.hpp) in id order: the content
// canonical_bytes and digest cover.
void write_content(const Store& store, ByteWriter& out) {
  for (std::size_t t = 0; t < store.table_count(); ++t) {
    const Table& table = store.table(t);
    write_varint(out, table.size());
    for (std::size_t row = 0; row < table.size(); ++row) table.write_entity(row, out);
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
Store::Store(Store&& other) noexcept = default;
Store& Store::operator=(Store&& other) noexcept = default;

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

Status Store::replace_table(std::size_t index, Store&& source) {
  if (index >= tables_.size()) {
    return make_error(ErrorCode::kOutOfRange, "table ", index, " is past the schema's ",
                      tables_.size());
  }
  if (source.schema_ != schema_) {
    return make_error(ErrorCode::kInvalidArgument, "table ", index,
                      " comes from a store of another schema object");
  }
  tables_[index] = std::move(source.tables_[index]);
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
