// ClientDB, gaps: a batch based past the version held means versions went missing on the way
// (docs/data.md, "Gaps"). The mirror keeps what came after the gap and asks for exactly the
// missing versions with one NackRequest, instead of dropping everything and starting a new
// sync: it stays ready (its writes go on) and the server resends only what was lost.
#include "client_db_impl.hpp"

namespace theta_net::data {
namespace {

// The first protocol minor whose NackRequest names versions (from_version, to_version).
constexpr std::uint16_t kVersionNackMinor = 4;
// What a kept batch costs besides its payload, counted against max_held_back_bytes so that
// many empty batches are bounded too.
constexpr std::size_t kHeldBackOverhead = 128;

}  // namespace

void ClientDB::set_protocol_minor(std::uint16_t minor) {
  impl_->protocol_minor = minor;
}

std::uint64_t ClientDB::nacks_sent() const {
  return impl_->nacks;
}

std::uint64_t ClientDB::gaps_filled() const {
  return impl_->gaps_filled;
}

void ClientDB::Impl::on_gap(ClientDB& db, const protocol::DataBatch& message, Micros now) {
  // A resubscription is out already: its sync brings these versions anyway.
  if (awaiting_begin) return;
  if (nack_to) nack_sent = now;  // the link moves: the answer may be behind what still comes
  if (held_back.contains(message.base_version)) return;  // a repeat of a kept batch
  const std::size_t cost = message.payload.size() + kHeldBackOverhead;
  if (protocol_minor < kVersionNackMinor ||
      cost > db.config_.max_held_back_bytes - held_back_bytes) {
    clear_gap();
    resubscribe(db);
    return;
  }
  held_back.emplace(message.base_version, message);
  held_back_bytes += cost;
  ask_for_gap(db, now);
}

void ClientDB::Impl::ask_for_gap(ClientDB& db, Micros now) {
  if (nack_to || held_back.empty()) return;
  protocol::NackRequest nack;
  nack.lane = protocol::LaneId::kReplication;
  nack.from_version = db.version();
  nack.to_version = held_back.begin()->first;
  nack_to = nack.to_version;
  nack_sent = now;
  ++nacks;
  outgoing.push_back(std::move(nack));
}

Status ClientDB::Impl::apply_held_back(ClientDB& db, Micros now) {
  while (!held_back.empty()) {
    auto first = held_back.begin();
    if (first->first > db.version()) break;  // another gap before it
    protocol::DataBatch next = std::move(first->second);
    held_back_bytes -= next.payload.size() + kHeldBackOverhead;
    held_back.erase(first);
    if (next.version <= db.version()) continue;  // the answer covered it already
    if (next.base_version != db.version()) {
      // It merges versions the mirror holds part of: everything after the version held comes
      // with a new sync instead.
      clear_gap();
      resubscribe(db);
      return {};
    }
    if (Status applied = apply_message(db, next, now); !applied.ok()) {
      clear_gap();  // apply_message resubscribed: the sync brings the rest
      return applied;
    }
  }
  if (nack_to && db.version() >= *nack_to) {
    nack_to.reset();
    ++gaps_filled;
  }
  ask_for_gap(db, now);
  return {};
}

void ClientDB::Impl::clear_gap() {
  held_back.clear();
  held_back_bytes = 0;
  nack_to.reset();
}

}  // namespace theta_net::data
