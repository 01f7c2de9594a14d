// DataHost, what clients send: subscriptions, writes, ClientReady and DataAck. Everything here
// comes from outside: a request is checked whole before it changes anything, and a refusal
// touches only the client that asked.
#include <algorithm>

#include "data_host_client.hpp"
#include "theta_net/data/data_host.hpp"
#include "theta_net/data/op_codec.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::data {
namespace {

using protocol::DataRefuseReason;

std::string table_names(const DataSchema& schema) {
  std::string out;
  for (const TableSpec& t : schema.tables()) {
    if (!out.empty()) out += ", ";
    out += t.name;
  }
  return out;
}

// Which refusal an error of decode_ops or Store::check is: an op naming a table the schema
// does not have is unknown_table; anything else wrong with the ops is malformed.
DataRefuseReason write_refusal(const Error& error, const std::vector<Op>* ops, std::size_t tables) {
  if (error.code == ErrorCode::kLimitExceeded) return DataRefuseReason::kTooLarge;
  if (ops) {
    for (const Op& op : *ops) {
      if (op.table >= tables) return DataRefuseReason::kUnknownTable;
    }
  }
  // decode_ops stops at the first bad op; its error for a table index past the schema reads
  // "op i of n: table t at offset o is past the schema's ..." (op_codec.cpp).
  if (error.code == ErrorCode::kOutOfRange && error.message.find(": table ") != std::string::npos) {
    return DataRefuseReason::kUnknownTable;
  }
  return DataRefuseReason::kMalformed;
}

}  // namespace

Status DataHost::on_message(ClientId id, const protocol::AnyMessage& message, Micros now) {
  auto it = clients_.find(id);
  if (it == clients_.end()) {
    return make_error(ErrorCode::kInvalidArgument, "no data client ", id);
  }
  now_ = std::max(now_, now);
  Client& c = *it->second;
  if (const auto* subscribe = std::get_if<protocol::DataSubscribe>(&message)) {
    on_subscribe(c, *subscribe, now);
  } else if (const auto* write = std::get_if<protocol::DataWrite>(&message)) {
    on_write(id, c, *write);
  } else if (const auto* ready = std::get_if<protocol::ClientReady>(&message)) {
    on_ready(c, *ready, now);
  } else if (const auto* ack = std::get_if<protocol::DataAck>(&message)) {
    on_ack(c, *ack, now);
  } else if (const auto* resync = std::get_if<protocol::DataResync>(&message)) {
    on_resync(c, *resync, now);
  } else if (const auto* nack = std::get_if<protocol::NackRequest>(&message)) {
    if (nack->lane != protocol::LaneId::kReplication) {
      return make_error(ErrorCode::kInvalidArgument, "the data host takes NackRequests for the ",
                        "replication lane, not the ", protocol::enum_name(nack->lane).value_or("?"),
                        " lane");
    }
    on_nack(c, *nack);
  } else if (std::holds_alternative<protocol::DataSyncBegin>(message) ||
             std::holds_alternative<protocol::DataStateHash>(message) ||
             std::holds_alternative<protocol::DataSnapshotChunk>(message) ||
             std::holds_alternative<protocol::DataBatch>(message) ||
             std::holds_alternative<protocol::DataWriteResult>(message) ||
             std::holds_alternative<protocol::DataRefused>(message) ||
             std::holds_alternative<protocol::SyncProgress>(message)) {
    // A data-layer message only the server sends: out of place, and the client's own problem.
    refuse(c, DataRefuseReason::kMalformed,
           str_cat(protocol::message_name(protocol::type_of(message)),
                   " is sent by the server, not to it"),
           c.client_hash);
  } else {
    return make_error(ErrorCode::kInvalidArgument, "the data host does not take ",
                      protocol::message_name(protocol::type_of(message)));
  }
  return {};
}

void DataHost::refuse(Client& c, protocol::DataRefuseReason reason, std::string text,
                      std::uint64_t client_hash) {
  // The sync stops until the client subscribes again; earlier answers stay queued.
  std::vector<QueuedData> kept = c.queue.clear_keeping_answers();
  kept.insert(kept.end(), std::make_move_iterator(c.retained.begin()),
              std::make_move_iterator(c.retained.end()));
  c.retained.clear();
  c.phase = Client::Phase::kIdle;
  c.may_write = false;
  c.stats.ready = false;
  c.stats.queue_bytes = 0;
  for (QueuedData& r : kept) push(c, std::move(r), true);
  protocol::DataRefused refused;
  refused.reason = reason;
  refused.text = bounded_text(std::move(text));
  refused.server_schema_hash = schema_->hash();
  refused.client_schema_hash = client_hash;
  ++c.stats.refusals;
  push(c, queued_message(std::move(refused)), true);
}

void DataHost::refuse_write(Client& c, std::uint32_t write_id, protocol::DataRefuseReason reason,
                            std::string text) {
  protocol::DataWriteResult result;
  result.write_id = write_id;
  result.accepted = false;
  result.version = 0;
  result.reason = reason;
  result.text = bounded_text(std::move(text));
  ++c.stats.writes_refused;
  // Answered at once (a refused write is in no batch).
  push(c, queued_message(std::move(result)), true);
}

void DataHost::on_subscribe(Client& c, const protocol::DataSubscribe& s, Micros now) {
  if (!schema_->compatible_with(s.schema_hashes)) {
    const std::uint64_t theirs = s.schema_hashes.empty() ? s.schema_hash : s.schema_hashes.back();
    refuse(c, DataRefuseReason::kSchemaMismatch,
           str_cat("data schema mismatch: the server's '", schema_->name(), "' ", schema_->major(),
                   ".", schema_->minor(), " has hash ", hex64(schema_->hash()),
                   ", the client's has hash ", hex64(theirs), " (at minor ",
                   s.schema_hashes.empty() ? 0 : s.schema_hashes.size() - 1,
                   "); update one side to the other's schema"),
           theirs);
    return;
  }
  std::vector<std::uint16_t> tables;
  for (const std::string& name : s.tables) {
    const int t = schema_->table_index(name);
    if (t < 0) {
      refuse(c, DataRefuseReason::kUnknownTable,
             str_cat("no table '", name, "' in data schema '", schema_->name(),
                     "'; it has: ", table_names(*schema_)),
             s.schema_hash);
      return;
    }
    tables.push_back(static_cast<std::uint16_t>(t));
  }
  if (s.from_version > store_.version()) {
    refuse(c, DataRefuseReason::kBadVersion,
           str_cat("from_version ", s.from_version, " is ahead of the server's version ",
                   store_.version()),
           s.schema_hash);
    return;
  }
  // Accepted: a new subscription replaces the sync queued before. Refusals stay where they
  // are, ahead of it; results of accepted writes follow it (after the version that holds them).
  std::vector<QueuedData> retained;
  c.stats.queue_bytes = 0;
  for (QueuedData& answer : c.queue.clear_keeping_answers()) {
    if (is_accepted_result(answer)) {
      retained.push_back(std::move(answer));
    } else {
      push(c, std::move(answer), true);
    }
  }
  retained.insert(retained.end(), std::make_move_iterator(c.retained.begin()),
                  std::make_move_iterator(c.retained.end()));
  c.retained = std::move(retained);
  std::set<Cell> cells;
  for (const auto& v : s.cells) cells.insert(Cell{v.x, v.y, v.z});
  c.interest = DataInterest(*schema_, tables, std::move(cells));
  const std::uint64_t dictionary = compressor_.dictionary_id();
  c.use_dictionary = dictionary != 0 && std::find(s.dictionary_ids.begin(), s.dictionary_ids.end(),
                                                  dictionary) != s.dictionary_ids.end();
  c.client_hash = s.schema_hash;
  c.may_write = false;
  c.stats.ready = false;
  c.stats.sync_started = now;
  // The client says what it holds; whatever it claims only shapes its own sync.
  c.delivered = s.from_version > 0 ? std::optional<Version>(s.from_version) : std::nullopt;
  start_sync(c, c.delivered);
}

void DataHost::on_write(ClientId id, Client& c, const protocol::DataWrite& w) {
  if (!c.may_write) {
    refuse_write(c, w.write_id, DataRefuseReason::kNotSynced,
                 str_cat("write ", w.write_id,
                         " refused: the client has not finished a data sync (ClientReady)"));
    return;
  }
  if (w.payload.size() > config_.max_write_bytes) {
    refuse_write(c, w.write_id, DataRefuseReason::kTooLarge,
                 str_cat("write ", w.write_id, " has ", w.payload.size(),
                         " payload bytes; the server takes at most ", config_.max_write_bytes));
    return;
  }
  if (w.base_version > store_.version()) {
    refuse_write(c, w.write_id, DataRefuseReason::kBadVersion,
                 str_cat("write ", w.write_id, " is based on version ", w.base_version,
                         ", ahead of the server's version ", store_.version()));
    return;
  }
  OpLimits limits;
  limits.max_payload_bytes = config_.max_write_bytes;
  limits.max_ops = std::max<std::size_t>(w.payload.size(), 1);  // an op takes 3 bytes or more
  auto ops = decode_ops(*schema_, w.payload, w.ops, limits);
  if (!ops.ok()) {
    refuse_write(c, w.write_id, write_refusal(ops.error(), nullptr, schema_->tables().size()),
                 str_cat("write ", w.write_id, ": ", ops.error().describe()));
    return;
  }
  if (auto committed = commit_write(id, w.write_id, *ops); !committed.ok()) {
    if (committed.error().code == ErrorCode::kRejected) {  // the write policy's
      refuse_write(c, w.write_id, DataRefuseReason::kNotAllowed,
                   str_cat("write ", w.write_id, ": ", committed.error().message));
    } else {
      refuse_write(c, w.write_id, write_refusal(committed.error(), &*ops, schema_->tables().size()),
                   str_cat("write ", w.write_id, ": ", committed.error().describe()));
    }
  }
}

Status DataHost::check_policy(ClientId id, const std::vector<Op>& ops) const {
  if (!config_.write_policy) return {};
  for (const Op& op : ops) {
    if (!config_.write_policy(id, op)) {
      return make_error(ErrorCode::kRejected, "this client may not change entity ", op.entity,
                        " of table '", schema_->table(op.table).name, "'");
    }
  }
  return {};
}

Status DataHost::commit_write(std::optional<ClientId> client, std::uint32_t write_id,
                              const std::vector<Op>& ops) {
  if (!client) {
    // Nothing to answer, and no ops need no version.
    return ops.empty() ? store_.check(ops) : commit_ops(ops, std::nullopt);
  }
  auto it = clients_.find(*client);
  if (it == clients_.end()) {
    return make_error(ErrorCode::kInvalidArgument, "no data client ", *client);
  }
  Client& c = *it->second;
  THETA_TRY(store_.check(ops));
  THETA_TRY(check_policy(*client, ops));
  if (ops.empty()) {
    // Nothing to commit: confirmed at once, at the version it will hold when it reads this.
    protocol::DataWriteResult result;
    result.write_id = write_id;
    result.accepted = true;
    result.version = c.phase == Client::Phase::kActive ? c.queued_version : store_.version();
    ++c.stats.writes_accepted;
    push_result(c, queued_message(std::move(result)));
    return {};
  }
  THETA_TRY(commit_ops(ops, std::make_pair(*client, write_id)));
  ++c.stats.writes_accepted;
  return {};
}

void DataHost::on_ready(Client& c, const protocol::ClientReady& ready, Micros now) {
  // Only the ClientReady of the current sync, once all of it was sent, with a version the
  // client can hold, counts. Others are ignored rather than refused: one may be for a sync
  // the server has since replaced, or the world replication's own ClientReady (they share the
  // message); a client that never sends a good one stays unready and its writes are refused.
  if (c.phase != Client::Phase::kActive || ready.snapshot_id != c.sync_id || !c.sync_drained) {
    return;
  }
  if (ready.version < c.sync_version || ready.version > c.max_drained) return;
  if (!c.stats.ready) c.stats.ready_at = now;
  c.stats.ready = true;
  c.may_write = true;
}

void DataHost::on_ack(Client& c, const protocol::DataAck& ack, Micros now) {
  // A client may hold a version from an earlier session (it acknowledges before its new sync
  // arrives), but never one the server has not closed.
  if (ack.version > store_.version()) {
    refuse(c, DataRefuseReason::kBadVersion,
           str_cat("DataAck of version ", ack.version, ", ahead of the server's version ",
                   store_.version()),
           c.client_hash);
    return;
  }
  if (ack.version > c.stats.acked_version) {
    c.stats.acked_version = ack.version;
    c.last_progress = now;
  }
  if (c.gap && ack.version >= c.gap->second) c.gap.reset();  // filled
}

}  // namespace theta_net::data
