// QuicConnection's lanes: reliable lanes on streams with record framing, unreliable lanes on
// DATAGRAM frames, and the write loop that batches packets for UDP GSO.
#include <algorithm>
#include <cstring>

#include "quic_connection.hpp"
#include "theta_net/core/varint.hpp"
#include "theta_net/transport/close_code.hpp"
#include "theta_net/transport/endpoint.hpp"

namespace theta_net::transport {
namespace {
constexpr std::size_t kMaxVecs = 16;
constexpr std::size_t kMaxQueuedDatagrams = 4096;
constexpr std::size_t kMaxGsoBytes = 65000;
constexpr std::size_t kMaxBatchPackets = 64;
}  // namespace

void OutStream::append(Bytes chunk) {
  total += chunk.size();
  chunks.push_back(std::move(chunk));
}

void OutStream::advance(std::size_t n) {
  written += n;
  while (n > 0) {
    const std::size_t take = std::min(n, chunks[write_index].size() - write_offset);
    write_offset += take;
    n -= take;
    if (write_offset == chunks[write_index].size()) {
      ++write_index;
      write_offset = 0;
    }
  }
}

void OutStream::ack_to(std::uint64_t end) {
  while (!chunks.empty() && acked + chunks.front().size() <= end && write_index > 0) {
    acked += chunks.front().size();
    chunks.pop_front();
    --write_index;
  }
}

Status QuicConnection::send(Lane lane, ByteSpan message) {
  if (http3_) return make_error(ErrorCode::kState, "an HTTP/3 connection carries no lanes");
  THETA_TRY(check_message(lane, message.size(), setup_.config->max_message_size));
  if (phase_ != Phase::kOpen) {
    return make_error(ErrorCode::kClosed, "connection ", id_.value, " is not open");
  }
  LaneStats& ls = stats_.lanes[lane_index(lane)];
  ++ls.messages_sent;
  ls.bytes_sent += message.size();
  if (!is_reliable(lane)) {
    if (datagrams_.size() >= kMaxQueuedDatagrams) {  // a datagram queue never grows without end
      datagrams_.pop_front();
      ++stats_.datagrams_lost;
    }
    Bytes d;
    d.reserve(message.size() + 1);
    d.push_back(static_cast<std::uint8_t>(lane));
    d.insert(d.end(), message.begin(), message.end());
    datagrams_.push_back(std::move(d));
    return {};
  }
  OutStream* s = lane == Lane::kAssets ? nullptr : lane_out_[lane_index(lane)];
  Bytes chunk;
  if (!s) {
    s = &out_[next_out_key_++];
    s->lane = lane;
    s->fin_after = lane == Lane::kAssets;
    if (lane != Lane::kAssets) lane_out_[lane_index(lane)] = s;
    if (lane != Lane::kControl) chunk.push_back(static_cast<std::uint8_t>(lane));  // stream type
  }
  chunk.reserve(chunk.size() + kMaxVarintBytes + message.size());
  write_record_header(chunk, message.size());
  chunk.insert(chunk.end(), message.begin(), message.end());
  s->append(std::move(chunk));
  return {};
}

void QuicConnection::on_handshake_completed() {
  phase_ = Phase::kOpen;
  established_ = true;
  timing_.completed = now_;
  // Requests, not lanes: the HTTP/3 session starts at the next flush. A client's application
  // still hears that the connection is up.
  if (http3_) {
    if (setup_.server) return;
    Event e;
    e.kind = EventKind::kConnected;
    e.conn = id_;
    events_.push_back(std::move(e));
    return;
  }
  // The control stream: the client's first bidirectional stream (id 0). The server's side of
  // it exists once the client's first control message arrives.
  OutStream& control = out_[next_out_key_++];
  control.lane = Lane::kControl;
  lane_out_[lane_index(Lane::kControl)] = &control;
  Event e;
  e.kind = EventKind::kConnected;
  e.conn = id_;
  events_.push_back(std::move(e));
}

void QuicConnection::open_pending_streams() {
  for (auto& [key, s] : out_) {
    if (s.id >= 0) continue;
    if (s.lane == Lane::kControl) {
      if (setup_.server) continue;  // opened by the client
      if (ngtcp2_conn_open_bidi_stream(conn_, &s.id, &s) != 0) s.id = -1;
      continue;
    }
    if (ngtcp2_conn_open_uni_stream(conn_, &s.id, &s) != 0) {
      s.id = -1;  // STREAM_ID_BLOCKED: wait for the peer to allow more streams
      return;
    }
  }
}

OutStream* QuicConnection::next_writable_stream() {
  for (auto& [key, s] : out_) {
    if (s.id >= 0 && !s.blocked && s.wants_write()) return &s;
  }
  return nullptr;
}

bool QuicConnection::wants_flush() const {
  if (phase_ != Phase::kOpen) return phase_ == Phase::kHandshaking || phase_ == Phase::kLingering;
  if (!datagrams_.empty() || http3_) return true;  // nghttp3 tells what it has only when asked
  return std::any_of(out_.begin(), out_.end(), [](const auto& kv) {
    return kv.second.wants_write() && !(kv.second.id < 0 && kv.second.lane == Lane::kControl);
  });
}

bool QuicConnection::all_streams_drained() const {
  return std::all_of(out_.begin(), out_.end(), [](const auto& kv) {
    return kv.second.drained() || (kv.second.id < 0 && kv.second.lane == Lane::kControl);
  });
}

void QuicConnection::deliver(Lane lane, Bytes payload) {
  LaneStats& ls = stats_.lanes[lane_index(lane)];
  ++ls.messages_received;
  ls.bytes_received += payload.size();
  if (ended_) return;  // closing: the application was told already
  Event e;
  e.kind = EventKind::kMessage;
  e.conn = id_;
  e.lane = lane;
  e.payload = std::move(payload);
  events_.push_back(std::move(e));
}

Status QuicConnection::on_stream_data(std::int64_t stream_id, const std::uint8_t* data,
                                      std::size_t len, bool fin) {
  if (http3_) {
    if (!ensure_http3() || pending_close_) return {};  // nothing more for a failed session
    if (const int rv = h3_->on_stream_data(stream_id, data, len, fin); rv < 0) http3_failed(rv);
    return {};
  }
  // Flow control is returned as data is consumed; memory is bounded by the record limit and
  // the reassembly budget below instead.
  ngtcp2_conn_extend_max_stream_offset(conn_, stream_id, len);
  ngtcp2_conn_extend_max_offset(conn_, len);
  if (pending_close_) return {};
  auto [it, fresh] =
      in_.try_emplace(stream_id, InStream{{}, StreamDeframer(setup_.config->max_message_size)});
  InStream& in = it->second;
  if (fresh && ngtcp2_is_bidi_stream(stream_id)) {
    if (stream_id != 0) {
      protocol_error(code_value(CloseCode::kProtocolError), "unexpected bidirectional stream");
      return {};
    }
    in.lane = Lane::kControl;
    OutStream* control = lane_out_[lane_index(Lane::kControl)];
    if (setup_.server && control && control->id < 0) {
      control->id = 0;
      ngtcp2_conn_set_stream_user_data(conn_, 0, control);
    }
  }
  if (!in.lane && len > 0) {
    const auto lane = lane_from_byte(data[0]);
    if (!lane || !is_reliable(*lane) || *lane == Lane::kControl) {
      protocol_error(code_value(CloseCode::kProtocolError),
                     str_cat("stream ", stream_id, " starts with lane byte ", int(data[0])));
      return {};
    }
    in.lane = *lane;
    ++data;
    --len;
  }
  if (auto status = in.deframer.feed(ByteSpan(data, len)); !status.ok()) {
    const auto code = status.error().code == ErrorCode::kLimitExceeded ? CloseCode::kMessageTooLarge
                                                                       : CloseCode::kProtocolError;
    protocol_error(code_value(code), status.error().message);
    return {};
  }
  while (auto message = in.deframer.next()) deliver(*in.lane, std::move(*message));
  if (fin && !in.deframer.at_boundary()) {
    protocol_error(code_value(CloseCode::kProtocolError), "stream ended inside a message");
    return {};
  }
  if (fin && !ngtcp2_is_bidi_stream(stream_id)) {
    // ngtcp2 0.12.1 never closes a peer's unidirectional stream after its FIN (it waits for a
    // FIN ack that a receive-only stream never gets), so stream_close never comes: give the
    // stream credit back here, or the peer runs out of asset streams after 128 transfers.
    in_.erase(stream_id);
    ngtcp2_conn_extend_max_streams_uni(conn_, 1);
    return {};
  }
  std::size_t buffered = 0;
  for (const auto& [id, s] : in_) buffered += s.deframer.buffered();
  if (buffered > 2 * setup_.config->max_message_size + (1u << 20)) {
    protocol_error(code_value(CloseCode::kResourceLimit), "too much partial data buffered");
  }
  return {};
}

void QuicConnection::on_datagram(const std::uint8_t* data, std::size_t len) {
  const auto lane = len > 0 ? lane_from_byte(data[0]) : std::nullopt;
  if (!lane || is_reliable(*lane)) {
    protocol_error(code_value(CloseCode::kProtocolError), "datagram with a bad lane byte");
    return;
  }
  deliver(*lane, Bytes(data + 1, data + len));
}

void QuicConnection::on_stream_close(std::int64_t stream_id, OutStream* out) {
  // A lane's uni stream ended by FIN was credited already (on_stream_data); HTTP/3 streams never
  // enter in_, so theirs are credited here.
  const bool credited = !http3_ && !in_.count(stream_id);
  in_.erase(stream_id);
  if (!ngtcp2_conn_is_local_stream(conn_, stream_id) &&
      (ngtcp2_is_bidi_stream(stream_id) || !credited)) {
    if (ngtcp2_is_bidi_stream(stream_id)) {
      ngtcp2_conn_extend_max_streams_bidi(conn_, 1);
    } else {
      ngtcp2_conn_extend_max_streams_uni(conn_, 1);
    }
  }
  if (!out || out->lane == Lane::kControl) return;
  for (auto it = out_.begin(); it != out_.end(); ++it) {
    if (&it->second != out) continue;
    if (lane_out_[lane_index(out->lane)] == out) lane_out_[lane_index(out->lane)] = nullptr;
    out_.erase(it);
    return;
  }
}

void QuicConnection::send_batch(const std::uint8_t* data, std::size_t len, std::size_t segment) {
  const SocketAddress* to = setup_.socket_connected ? nullptr : &setup_.remote;
  setup_.socket->send(to, data, len, segment, setup_.config->use_gso);
  stats_.packets_sent += (len + segment - 1) / segment;
  stats_.bytes_sent += len;
}

bool QuicConnection::flush(Timestamp now) {
  now_ = now;
  if (phase_ == Phase::kLingering && all_streams_drained()) on_timer(now);
  if (phase_ != Phase::kHandshaking && phase_ != Phase::kOpen && phase_ != Phase::kLingering) {
    return false;
  }
  const bool handshake_done = ngtcp2_conn_get_handshake_completed(conn_) != 0;
  if (handshake_done && http3_ && !ensure_http3()) {
    close_if_pending(now);
    return false;
  }
  if (handshake_done) open_pending_streams();
  for (auto& [key, s] : out_) s.blocked = false;

  const std::size_t max_packet = ngtcp2_conn_get_max_tx_udp_payload_size(conn_);
  const std::size_t quantum = std::clamp<std::size_t>(
      ngtcp2_conn_get_send_quantum(conn_) / max_packet, 2, kMaxBatchPackets);
  const std::size_t batch_limit = std::min(kMaxBatchPackets, kMaxGsoBytes / max_packet);
  tx_.resize(batch_limit * max_packet);
  std::size_t batch_len = 0, segment = 0, batch_count = 0, total_packets = 0;
  auto flush_batch = [&] {
    if (batch_len) send_batch(tx_.data(), batch_len, segment);
    batch_len = batch_count = 0;
  };
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  bool more = false;
  bool datagrams_blocked = false;
  for (;;) {
    std::uint8_t* dest = tx_.data() + batch_len;
    ngtcp2_ssize n = 0;
    bool wrote_datagram = false;
    if (handshake_done && !datagrams_blocked && !datagrams_.empty()) {
      wrote_datagram = true;
      int accepted = 0;
      ngtcp2_vec v{datagrams_.front().data(), datagrams_.front().size()};
      n = ngtcp2_conn_writev_datagram(conn_, &ps.path, &pi, dest, max_packet, &accepted,
                                      NGTCP2_WRITE_DATAGRAM_FLAG_MORE, next_dgram_id_, &v, 1, now);
      if (accepted) {
        datagrams_.pop_front();
        ++next_dgram_id_;
      } else if (n == 0 || n == NGTCP2_ERR_WRITE_MORE) {
        datagrams_blocked = true;  // congestion-limited: streams may still have room for acks
      }
      if (n == NGTCP2_ERR_WRITE_MORE) continue;
    } else if (h3_) {
      ngtcp2_vec vecs[kMaxVecs];
      const Http3Streams::Write w = http3_next(vecs, kMaxVecs);
      if (pending_close_) break;  // nghttp3 failed: the connection closes below
      std::uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
      if (w.fin) flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
      ngtcp2_ssize accepted = -1;
      n = ngtcp2_conn_writev_stream(conn_, &ps.path, &pi, dest, max_packet, &accepted, flags,
                                    w.stream_id, vecs, w.count, now);
      http3_written(w, n, accepted);
      if (n == NGTCP2_ERR_WRITE_MORE || n == NGTCP2_ERR_STREAM_DATA_BLOCKED ||
          n == NGTCP2_ERR_STREAM_SHUT_WR) {
        continue;
      }
    } else {
      OutStream* s = handshake_done ? next_writable_stream() : nullptr;
      ngtcp2_vec vecs[kMaxVecs];
      std::size_t count = 0;
      std::uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
      if (s) {
        for (std::size_t i = s->write_index; i < s->chunks.size() && count < kMaxVecs; ++i) {
          const std::size_t skip = i == s->write_index ? s->write_offset : 0;
          vecs[count++] = {s->chunks[i].data() + skip, s->chunks[i].size() - skip};
        }
        if (s->fin_after && s->write_index + count == s->chunks.size()) {
          flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
        }
      }
      ngtcp2_ssize accepted = -1;
      n = ngtcp2_conn_writev_stream(conn_, &ps.path, &pi, dest, max_packet, &accepted, flags,
                                    s ? s->id : -1, vecs, count, now);
      if (s && accepted >= 0) {
        s->advance(static_cast<std::size_t>(accepted));
        if ((flags & NGTCP2_WRITE_STREAM_FLAG_FIN) && s->written == s->total) {
          s->fin_sent = true;
        }
      }
      if (n == NGTCP2_ERR_WRITE_MORE) continue;
      if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED || n == NGTCP2_ERR_STREAM_SHUT_WR) {
        if (s) s->blocked = true;
        continue;
      }
    }
    if (n < 0) {
      flush_batch();
      handle_error(static_cast<int>(n), now);
      return false;
    }
    if (n == 0) {
      if (wrote_datagram) continue;  // congestion or no room: try streams (and acks) once more
      break;
    }
    const auto size = static_cast<std::size_t>(n);
    ++total_packets;
    if (batch_count > 0 && size > segment) {  // GSO needs equal segments: send the run first
      send_batch(tx_.data(), batch_len, segment);
      std::memmove(tx_.data(), dest, size);
      batch_len = segment = size;
      batch_count = 1;
    } else {
      if (batch_count == 0) segment = size;
      batch_len += size;
      ++batch_count;
      if (size < segment) flush_batch();  // a short packet ends a GSO run
    }
    if (batch_count == batch_limit) flush_batch();
    if (total_packets >= quantum) {
      more = true;
      break;
    }
  }
  flush_batch();
  if (h3_) h3_->reset_failed_streams();
  if (pending_close_) {
    close_if_pending(now);
    return false;
  }
  // Pacing before the first RTT sample would use the 333 ms initial RTT and delay the
  // handshake's last flights by ~21 ms on a LAN: only pace once the handshake is complete.
  // A lone packet (a datagram, an ACK) is not a burst: pacing it only sets a timer a few
  // microseconds out that wakes the loop for nothing.
  if (handshake_done && total_packets > 1) ngtcp2_conn_update_pkt_tx_time(conn_, now);
  return more;
}

}  // namespace theta_net::transport
