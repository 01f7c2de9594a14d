#include <utility>

#include "client_db_impl.hpp"
#include "theta_net/data/op_codec.hpp"
#include "theta_net/protocol/field_info.hpp"

namespace theta_net::data {
namespace {

// DataWrite.payload's bound, as schemas/theta.toml declares it.
std::size_t max_write_payload_bytes() {
  static const std::size_t bound = [] {
    std::size_t max = 0;
    protocol::DataWrite probe;
    protocol::DataWrite::visit(probe, [&max](const protocol::FieldInfo& info, const auto&) {
      if (info.name == "payload") max = info.max;
    });
    return max;
  }();
  return bound;
}

}  // namespace

Result<std::uint32_t> ClientDB::write(const Transaction& tx) {
  if (status_.state != SyncState::kReady) {
    return make_error(ErrorCode::kState, "local writes wait for the sync to be ready (it is ",
                      sync_state_name(status_.state), ")");
  }
  if (impl_->pending.size() >= config_.max_pending_writes) {
    return make_error(ErrorCode::kState, impl_->pending.size(),
                      " writes are waiting for the server's answer (max_pending_writes)");
  }
  if (tx.empty()) return make_error(ErrorCode::kInvalidArgument, "an empty transaction");
  if (!schema().compatible_with(tx.schema().hashes())) {
    return make_error(ErrorCode::kInvalidArgument, "the transaction's schema '", tx.schema().name(),
                      "' ", tx.schema().major(), ".", tx.schema().minor(), " (hash ",
                      hex64(tx.schema().hash()), ") is not compatible with the server's ",
                      hex64(schema().hash()));
  }
  THETA_TRY(view_.check(tx.ops()));
  Bytes payload = encode_ops(schema(), tx.ops());
  if (payload.size() > max_write_payload_bytes()) {
    return make_error(ErrorCode::kLimitExceeded, "the write's payload is ", payload.size(),
                      " bytes; a DataWrite carries at most ", max_write_payload_bytes());
  }
  const std::uint32_t id = impl_->next_write_id++;
  if (impl_->next_write_id == 0) impl_->next_write_id = 1;  // 0 is never an id

  std::vector<EntityKey> keys;
  append_touched(tx.ops(), keys);
  const std::vector<EntityImage> before = impl_->images_before(*this, std::move(keys));
  impl_->pending.push(view_, id, tx.ops());
  impl_->outgoing.push_back(protocol::DataWrite{
      id, version(), static_cast<std::uint32_t>(tx.ops().size()), std::move(payload)});
  impl_->fire(impl_->changes_since(*this, before));
  return id;
}

std::size_t ClientDB::pending_writes() const {
  return impl_->pending.size();
}

void ClientDB::set_pending_merge(PendingFieldMerge merge) {
  impl_->pending.set_merge(std::move(merge));
}

std::vector<std::pair<std::uint32_t, std::string>> ClientDB::take_refused_writes() {
  return std::exchange(impl_->refused, {});
}

std::vector<std::uint32_t> ClientDB::take_lost_writes() {
  return std::exchange(impl_->lost, {});
}

Status ClientDB::Impl::on_write_result(ClientDB& db, const protocol::DataWriteResult& result) {
  const auto index = pending.index_of(result.write_id);
  if (!index) {
    return make_error(ErrorCode::kState, "a result for write ", result.write_id,
                      ", which is not pending");
  }
  // Accepted in a version this mirror does not hold yet: the write stays in the view until the
  // batch that holds it arrives (it would flicker back to the old value otherwise).
  if (result.accepted && result.version > db.version()) {
    pending.accept(*index, result.version);
    return {};
  }
  std::vector<EntityKey> keys;
  if (!subscriptions.empty()) {
    for (std::size_t i = *index; i < pending.size(); ++i) {
      append_touched(pending.at(i).ops, keys);
    }
  }
  const std::vector<EntityImage> before = images_before(db, std::move(keys));
  // Take the answered write out from under the ones made after it.
  pending.undo_from(db.view_, *index);
  pending.erase(*index);
  note_dropped(pending.redo_from(db.view_, *index));
  if (!result.accepted) {
    const std::string_view reason =
        result.reason ? protocol::enum_name(*result.reason).value_or("unknown") : "refused";
    refused.emplace_back(result.write_id, result.text.empty() ? std::string(reason)
                                                              : str_cat(reason, ": ", result.text));
  }
  fire(changes_since(db, before));
  return {};
}

void ClientDB::Impl::lose_pending(ClientDB& db) {
  if (pending.empty()) return;
  std::vector<EntityKey> keys;
  if (!subscriptions.empty()) pending.append_touched(keys);
  const std::vector<EntityImage> before = images_before(db, std::move(keys));
  pending.undo_from(db.view_, 0);
  for (const PendingWrite& write : pending.take_all()) lost.push_back(write.id);
  fire(changes_since(db, before));
}

void ClientDB::Impl::note_dropped(std::vector<std::pair<PendingWrite, std::string>> dropped) {
  for (auto& [write, reason] : dropped) {
    refused.emplace_back(write.id, str_cat("the server's schema no longer takes it: ", reason));
  }
}

}  // namespace theta_net::data
