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
  const std::size_t cost = message.payload.size() + kHeldBackOverhead;
  if (protocol_minor < kVersionNackMinor ||
      cost > db.config_.max_held_back_bytes - held_back_bytes) {
    clear_gap();
    resubscribe(db);
    return;
  }
  // Kept by base: a repeat of a kept batch replaces nothing.
  if (held_back.try_emplace(message.base_version, message).second) held_back_bytes += cost;
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
  if (nack_to && db.version() >= *nack_to) {
    nack_to.reset();
    ++gaps_filled;
  }
  while (!held_back.empty()) {
    auto first = held_back.begin();
    if (first->first > db.version()) break;  // another gap before it
    protocol::DataBatch next = std::move(first->second);
    held_back_bytes -= next.payload.size() + kHeldBackOverhead;
    held_back.erase(first);
    // Based behind the version held: a batch the answer already covered, or one merging
    // versions the mirror holds part of (only its version tells which; neither applies).
    if (next.base_version != db.version()) continue;
    if (Status applied = apply_message(db, next, now); !applied.ok()) {
      clear_gap();  // apply_message resubscribed: the sync brings the rest
      return applied;
    }
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
