// SimNet connections: handshake, lanes, retransmission, timers, close.
#include <algorithm>

#include "sim_net_state.hpp"

namespace theta_net::transport {
namespace {

using What = SimScheduled::What;
using Kind = SimPacket::Kind;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr Nanos kHelloRetry = seconds(1);  // QUIC's first PTO with a 333 ms initial RTT
constexpr int kMaxCloseAttempts = 5;

SimScheduled at(Nanos time, What what, std::uint32_t node, ConnectionId conn) {
  SimScheduled s;
  s.time = time;
  s.what = what;
  s.node = node;
  s.conn = conn;
  return s;
}

SimPacket packet(Kind kind, std::uint32_t node, const SimConn& conn) {
  SimPacket p;
  p.kind = kind;
  p.from_node = node;
  p.to_node = conn.peer_node;
  p.from_conn = conn.id;
  p.to_conn = conn.peer_conn;
  return p;
}

}  // namespace

SimConn* SimNetState::find(std::uint32_t node, ConnectionId conn) {
  auto& conns = nodes[node]->conns;
  auto it = conns.find(conn.value);
  return it == conns.end() ? nullptr : &it->second;
}

void SimNetState::emit(std::uint32_t node, SimConn& conn, Event event) {
  using W = SimTraceEntry::What;
  static constexpr W kWhat[] = {W::kConnected, W::kDisconnected, W::kTimedOut, W::kMessage};
  event.conn = conn.id;
  record(node, conn.id, kWhat[static_cast<int>(event.kind)], event.lane, event.payload);
  nodes[node]->events.push_back(std::move(event));
}

void SimNetState::open(std::uint32_t node, SimConn& conn) {
  conn.state = SimConn::State::kOpen;
  emit(node, conn, Event{EventKind::kConnected, {}, Lane::kControl, {}, {}});
  const Nanos keep_alive = nodes[node]->config.keep_alive;
  if (keep_alive > Nanos(0)) schedule(at(now + keep_alive, What::kKeepAlive, node, conn.id));
}

void SimNetState::transmit(SimPacket p, bool reliable) {
  SimConn* sender = find(p.from_node, p.from_conn);
  if (sender) {
    ++sender->stats.packets_sent;
    sender->stats.bytes_sent += p.size;
  }
  const LinkVerdict v = link(p.from_node, p.to_node).transmit(now, p.size);
  if (v.fate != LinkFate::kDelivered) {
    record(p.from_node, p.from_conn, SimTraceEntry::What::kPacketDrop, p.lane, {}, p.size);
    if (reliable) {
      SimScheduled s = at(now + rto(p.from_node, p.to_node) * (1 << std::min(p.attempt, 16)),
                          What::kRetransmit, p.from_node, p.from_conn);
      ++p.attempt;
      s.packet = std::move(p);
      schedule(std::move(s));
    } else if (sender && p.kind == Kind::kData) {
      ++sender->stats.datagrams_lost;
    }
    return;
  }
  if (reliable && sender) {
    sender->outstanding -= std::min<std::uint64_t>(sender->outstanding, 1);
    sender->last_arrival = std::max(sender->last_arrival, v.arrival[0]);
  }
  for (int i = 0; i < v.copies; ++i) {
    SimScheduled s = at(v.arrival[i], What::kArrive, p.to_node, p.to_conn);
    s.packet = p;
    if (i > 0) s.packet.queued_bytes = 0;
    schedule(std::move(s));
  }
}

void SimNetState::handle(SimScheduled& item) {
  if (item.what == What::kArrive) return arrive(item.packet);
  if (item.what == What::kRetransmit) {
    SimConn* c = find(item.node, item.conn);
    const bool is_close = item.packet.kind == Kind::kClose;
    if (is_close ? item.packet.attempt < kMaxCloseAttempts : c != nullptr) {
      transmit(std::move(item.packet), true);
    }
    return;
  }
  SimConn* c = find(item.node, item.conn);
  if (!c) return;
  const SimEndpointConfig& cfg = nodes[item.node]->config;
  switch (item.what) {
    case What::kHelloRetry:
      if (c->state != SimConn::State::kConnecting) return;
      transmit(packet(Kind::kHello, item.node, *c), false);
      schedule(at(now + kHelloRetry * (1 << std::min(++c->hello_attempts, 16)), What::kHelloRetry,
                  item.node, c->id));
      return;
    case What::kHandshakeCheck:
      if (c->state != SimConn::State::kConnecting && c->state != SimConn::State::kAccepting) return;
      if (c->state == SimConn::State::kConnecting) {
        Event e{EventKind::kTimedOut, {}, Lane::kControl, {}, {}};
        e.close.reason = "handshake timed out";
        emit(item.node, *c, std::move(e));
      }
      nodes[item.node]->conns.erase(c->id.value);
      return;
    case What::kIdleCheck:
      if (now - c->last_heard < cfg.idle_timeout) {
        schedule(at(c->last_heard + cfg.idle_timeout, What::kIdleCheck, item.node, c->id));
        return;
      }
      if (c->state == SimConn::State::kOpen) {
        Event e{EventKind::kTimedOut, {}, Lane::kControl, {}, {}};
        e.close.reason = "idle timeout";
        emit(item.node, *c, std::move(e));
      }
      nodes[item.node]->conns.erase(c->id.value);
      return;
    case What::kKeepAlive:
      if (c->state != SimConn::State::kOpen) return;
      transmit(packet(Kind::kPing, item.node, *c), false);
      schedule(at(now + cfg.keep_alive, What::kKeepAlive, item.node, c->id));
      return;
    case What::kCloseFlush:
      if (c->state == SimConn::State::kClosing) flush_close(item.node, *c);
      return;
    default:
      return;
  }
}

void SimNetState::flush_close(std::uint32_t node, SimConn& c) {
  // Linger like QUIC's graceful close: the close leaves once every reliable packet got through
  // the link and has arrived, or after the idle timeout at the latest.
  const Nanos linger_end = c.close_requested + nodes[node]->config.idle_timeout;
  if ((c.outstanding > 0 || now < c.last_arrival) && now < linger_end) {
    const Nanos next = c.outstanding > 0 ? now + rto(node, c.peer_node) : c.last_arrival;
    schedule(at(std::min(next, linger_end), What::kCloseFlush, node, c.id));
    return;
  }
  SimPacket p = packet(Kind::kClose, node, c);
  p.close_code = c.close_code;
  p.close_reason = c.close_reason;
  nodes[node]->conns.erase(c.id.value);
  transmit(std::move(p), true);
}

void SimNetState::arrive(SimPacket& p) {
  if (p.queued_bytes > 0) {
    if (SimConn* sender = find(p.from_node, p.from_conn)) {
      sender->queued_bytes -= std::min<std::uint64_t>(sender->queued_bytes, p.queued_bytes);
    }
  }
  SimNode& node = *nodes[p.to_node];
  if (p.kind == Kind::kHello) {
    const auto key = std::make_pair(p.from_node, p.from_conn.value);
    auto it = node.accepted.find(key);
    SimConn* c = it == node.accepted.end() ? nullptr : find(p.to_node, ConnectionId{it->second});
    if (!c) {
      SimConn fresh;
      fresh.id = ConnectionId{node.next_conn++};
      fresh.peer_node = p.from_node;
      fresh.peer_conn = p.from_conn;
      fresh.state = SimConn::State::kAccepting;
      fresh.opened_at = fresh.last_heard = now;
      node.accepted[key] = fresh.id.value;
      c = &node.conns.emplace(fresh.id.value, std::move(fresh)).first->second;
      schedule(at(now + node.config.idle_timeout, What::kIdleCheck, p.to_node, c->id));
    }
    ++c->stats.packets_received;
    c->stats.bytes_received += p.size;
    if (c->state == SimConn::State::kAccepting || c->state == SimConn::State::kOpen) {
      transmit(packet(Kind::kHelloAck, p.to_node, *c), false);
    }
    return;
  }
  SimConn* c = find(p.to_node, p.to_conn);
  if (!c || c->peer_node != p.from_node) return;
  if (c->state == SimConn::State::kConnecting && p.kind != Kind::kHelloAck) return;
  c->last_heard = now;
  ++c->stats.packets_received;
  c->stats.bytes_received += p.size;
  // Every packet but a close is ack-eliciting: the receiver's ACK keeps the sender's idle
  // timer alive as in QUIC. ACKs are not simulated packet by packet; one gets through unless
  // the reverse direction is partitioned.
  if (p.kind != Kind::kClose) {
    SimConn* sender = find(p.from_node, p.from_conn);
    bool reverse_open = true;
    for (const Partition& part : link(p.to_node, p.from_node).config().partitions) {
      reverse_open &= !(now >= part.start && now < part.end);
    }
    if (sender && reverse_open) sender->last_heard = now;
  }
  switch (p.kind) {
    case Kind::kHelloAck:
      if (c->state != SimConn::State::kConnecting) return;
      c->peer_conn = p.from_conn;
      schedule(at(now + node.config.idle_timeout, What::kIdleCheck, p.to_node, c->id));
      open(p.to_node, *c);
      ++c->outstanding;
      transmit(packet(Kind::kHelloDone, p.to_node, *c), true);
      return;
    case Kind::kHelloDone:
      if (c->state == SimConn::State::kAccepting) open(p.to_node, *c);
      return;
    case Kind::kData:
      if (c->state == SimConn::State::kAccepting) open(p.to_node, *c);
      if (c->state != SimConn::State::kOpen) return;
      if (is_reliable(p.lane)) return deliver_reliable(p.to_node, *c, p);
      {
        LaneStats& ls = c->stats.lanes[lane_index(p.lane)];
        ++ls.messages_received;
        ls.bytes_received += p.message->size();
        emit(p.to_node, *c, Event{EventKind::kMessage, {}, p.lane, *p.message, {}});
      }
      return;
    case Kind::kClose: {
      const bool was_open = c->state == SimConn::State::kOpen;
      if (was_open) {
        Event e{EventKind::kDisconnected, {}, Lane::kControl, {}, {}};
        e.close = CloseInfo{CloseInfo::Kind::kApplication, p.close_code, p.close_reason, true};
        emit(p.to_node, *c, std::move(e));
      }
      node.conns.erase(c->id.value);
      return;
    }
    default:
      return;
  }
}

void SimNetState::deliver_reliable(std::uint32_t node, SimConn& c, const SimPacket& p) {
  SimRecvLane& lane = c.recv[lane_index(p.lane)];
  if (p.msg_seq < lane.next_deliver || lane.done_out_of_order.count(p.msg_seq)) return;
  SimAssembly& a = lane.pending[p.msg_seq];
  if (a.got.empty()) {
    a.got.assign(p.frag_count, false);
    a.message = p.message;
  }
  if (p.frag >= a.got.size() || a.got[p.frag]) return;
  a.got[p.frag] = true;
  ++a.count;
  auto release = [&](std::uint64_t seq) {
    auto it = lane.pending.find(seq);
    LaneStats& ls = c.stats.lanes[lane_index(p.lane)];
    ++ls.messages_received;
    ls.bytes_received += it->second.message->size();
    emit(node, c, Event{EventKind::kMessage, {}, p.lane, *it->second.message, {}});
    lane.pending.erase(it);
  };
  if (p.lane == Lane::kAssets) {  // one QUIC stream per transfer: no order between transfers
    if (!a.complete()) return;
    release(p.msg_seq);
    lane.done_out_of_order.insert(p.msg_seq);
    while (lane.done_out_of_order.count(lane.next_deliver)) {
      lane.done_out_of_order.erase(lane.next_deliver++);
    }
    return;
  }
  while (true) {
    auto it = lane.pending.find(lane.next_deliver);
    if (it == lane.pending.end() || !it->second.complete()) return;
    release(lane.next_deliver++);
  }
}

void SimNetState::fill_rtt(std::uint32_t node, const SimConn& c, ConnectionStats& out) {
  const LinkConfig& ab = link(node, c.peer_node).config();
  const LinkConfig& ba = link(c.peer_node, node).config();
  out.rtt_smoothed = out.rtt_min = ab.latency + ba.latency;
  out.rtt_variance = out.jitter = ab.jitter + ba.jitter;
}

// --- SimEndpoint: the Endpoint interface over the shared state ---

const std::string& SimEndpoint::name() const {
  return net_->nodes[node_]->name;
}

Status SimEndpoint::dial() {
  if (!dialed_)
    return make_error(ErrorCode::kState, name(), " has never connected: nothing to dial");
  connect(*dialed_);
  return {};
}

Status SimEndpoint::redirect(std::string_view address) {
  auto find = [&](std::string_view name) -> const SimEndpoint* {
    for (const auto& e : net_->endpoints) {
      if (e.get() != this && e->name() == name) return e.get();
    }
    return nullptr;
  };
  const SimEndpoint* to = find(address);
  if (!to) {
    if (const auto colon = address.rfind(':'); colon != std::string_view::npos) {
      to = find(address.substr(0, colon));
    }
  }
  if (!to) {
    return make_error(ErrorCode::kInvalidArgument, "no endpoint called ", address,
                      " in this SimNet");
  }
  for (ConnectionId conn : connections()) close(conn, 0, "redirected");
  dialed_ = to;
  return {};
}

ConnectionId SimEndpoint::connect(const SimEndpoint& server) {
  dialed_ = &server;
  SimNode& n = *net_->nodes[node_];
  SimConn c;
  c.id = ConnectionId{n.next_conn++};
  c.peer_node = server.node();
  c.state = SimConn::State::kConnecting;
  c.opened_at = c.last_heard = net_->now;
  const ConnectionId id = c.id;
  SimConn& stored = n.conns.emplace(id.value, std::move(c)).first->second;
  net_->transmit(packet(Kind::kHello, node_, stored), false);
  net_->schedule(at(net_->now + kHelloRetry, What::kHelloRetry, node_, id));
  net_->schedule(at(net_->now + n.config.handshake_timeout, What::kHandshakeCheck, node_, id));
  return id;
}

Status SimEndpoint::send(ConnectionId conn, Lane lane, ByteSpan message) {
  THETA_TRY(check_message(lane, message.size(), net_->nodes[node_]->config.max_message_size));
  SimConn* c = net_->find(node_, conn);
  if (!c || c->state != SimConn::State::kOpen) {
    return make_error(ErrorCode::kClosed, "no open connection ", conn.value);
  }
  LaneStats& ls = c->stats.lanes[lane_index(lane)];
  ++ls.messages_sent;
  ls.bytes_sent += message.size();
  auto shared = std::make_shared<const Bytes>(message.begin(), message.end());
  SimPacket p = packet(Kind::kData, node_, *c);
  p.lane = lane;
  p.message = shared;
  if (!is_reliable(lane)) {
    p.size = static_cast<std::uint32_t>(kSimPacketOverhead + 1 + message.size());
    net_->transmit(std::move(p), false);
    return {};
  }
  p.msg_seq = c->next_send_seq[lane_index(lane)]++;
  p.frag_count = static_cast<std::uint32_t>(
      std::max<std::size_t>(1, (message.size() + kSimPacketPayload - 1) / kSimPacketPayload));
  for (std::uint32_t i = 0; i < p.frag_count; ++i) {
    SimPacket frag = p;
    frag.frag = i;
    const std::size_t body = std::min(
        kSimPacketPayload, message.size() - std::min(message.size(), i * kSimPacketPayload));
    frag.size = static_cast<std::uint32_t>(kSimPacketOverhead + 4 + body);
    frag.queued_bytes = static_cast<std::uint32_t>(body);
    c->queued_bytes += body;
    ++c->outstanding;
    net_->transmit(std::move(frag), true);
    c = net_->find(node_, conn);  // transmit never erases, but keep the pointer honest
  }
  return {};
}

void SimEndpoint::poll(std::chrono::nanoseconds) {
  net_->run_until(net_->now);
}

std::optional<Event> SimEndpoint::next_event() {
  auto& events = net_->nodes[node_]->events;
  if (events.empty()) return std::nullopt;
  Event e = std::move(events.front());
  events.pop_front();
  return e;
}

void SimEndpoint::close(ConnectionId conn, std::uint64_t app_error_code, std::string_view reason) {
  SimConn* c = net_->find(node_, conn);
  if (!c) return;
  if (c->state != SimConn::State::kOpen) {
    net_->nodes[node_]->conns.erase(conn.value);
    return;
  }
  Event e{EventKind::kDisconnected, {}, Lane::kControl, {}, {}};
  e.close = CloseInfo{CloseInfo::Kind::kApplication, app_error_code, std::string(reason), false};
  net_->emit(node_, *c, std::move(e));
  c->state = SimConn::State::kClosing;
  c->close_code = app_error_code;
  c->close_reason = std::string(reason);
  c->close_requested = net_->now;
  net_->flush_close(node_, *c);
}

std::string_view SimEndpoint::transport_kind(ConnectionId conn) const {
  return net_->find(node_, conn) ? "sim" : "";
}

std::optional<ConnectionStats> SimEndpoint::stats(ConnectionId conn) const {
  SimConn* c = net_->find(node_, conn);
  if (!c) return std::nullopt;
  ConnectionStats s = c->stats;
  s.send_queue_bytes = c->queued_bytes;
  net_->fill_rtt(node_, *c, s);
  return s;
}

std::vector<ConnectionId> SimEndpoint::connections() const {
  std::vector<ConnectionId> out;
  for (const auto& [id, c] : net_->nodes[node_]->conns) {
    if (c.state == SimConn::State::kOpen) out.push_back(c.id);
  }
  return out;
}

}  // namespace theta_net::transport
