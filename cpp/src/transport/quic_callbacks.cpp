// The C callbacks ngtcp2 and GnuTLS call, forwarding to the QuicConnection in user_data.
#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "quic_connection.hpp"

namespace theta_net::transport {

// ngtcp2's C callbacks, forwarding to the connection in user_data.
struct QuicCallbacks {
  static QuicConnection* self(void* user_data) { return static_cast<QuicConnection*>(user_data); }

  static ngtcp2_conn* get_conn(ngtcp2_crypto_conn_ref* ref) { return self(ref->user_data)->conn_; }
  static void rand(std::uint8_t* dest, std::size_t len, const ngtcp2_rand_ctx*) {
    gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
  }
  static int new_cid(ngtcp2_conn*, ngtcp2_cid* cid, std::uint8_t* token, std::size_t len,
                     void* ud) {
    if (gnutls_rnd(GNUTLS_RND_RANDOM, cid->data, len) != 0) return NGTCP2_ERR_CALLBACK_FAILURE;
    cid->datalen = len;
    QuicConnection* c = self(ud);
    if (ngtcp2_crypto_generate_stateless_reset_token(token, c->setup_.reset_secret.data(),
                                                     c->setup_.reset_secret.size(), cid) != 0) {
      return NGTCP2_ERR_CALLBACK_FAILURE;
    }
    if (c->setup_.host) c->setup_.host->associate_cid(*c, *cid);
    return 0;
  }
  static int remove_cid(ngtcp2_conn*, const ngtcp2_cid* cid, void* ud) {
    if (self(ud)->setup_.host) self(ud)->setup_.host->dissociate_cid(*cid);
    return 0;
  }
  static int handshake_completed(ngtcp2_conn*, void* ud) {
    QuicConnection* c = self(ud);
    if (c->setup_.server) {
      gnutls_datum_t proto{};
      const bool selected = gnutls_alpn_get_selected_protocol(c->session_, &proto) == 0;
      const std::string_view alpn =
          selected ? std::string_view(reinterpret_cast<const char*>(proto.data), proto.size)
                   : std::string_view{};
      c->http3_ = c->setup_.http && alpn == kHttp3Alpn;
      if (alpn != kAlpn && !c->http3_) {
        c->alpn_refused_ = true;  // GNUTLS_ALPN_MANDATORY does not catch a client with no ALPN
        return NGTCP2_ERR_CALLBACK_FAILURE;
      }
    }
    c->on_handshake_completed();
    return 0;
  }
  static int handshake_confirmed(ngtcp2_conn*, void* ud) {
    self(ud)->timing_.confirmed = self(ud)->now_;
    return 0;
  }
  static int recv_stream_data(ngtcp2_conn*, std::uint32_t flags, std::int64_t stream_id,
                              std::uint64_t, const std::uint8_t* data, std::size_t len, void* ud,
                              void*) {
    auto status =
        self(ud)->on_stream_data(stream_id, data, len, (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0);
    return status.ok() ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
  }
  static int acked_stream_data_offset(ngtcp2_conn*, std::int64_t stream_id, std::uint64_t offset,
                                      std::uint64_t len, void* ud, void* sud) {
    QuicConnection* c = self(ud);
    if (c->h3_) return c->h3_->on_acked(stream_id, len) == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
    if (sud) static_cast<OutStream*>(sud)->ack_to(offset + len);
    return 0;
  }
  static int stream_close(ngtcp2_conn*, std::uint32_t flags, std::int64_t stream_id,
                          std::uint64_t app_error_code, void* ud, void* sud) {
    QuicConnection* c = self(ud);
    if (c->h3_) {
      if (!(flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET)) app_error_code = 0;
      if (c->h3_->on_stream_close(stream_id, app_error_code) != 0) {
        return NGTCP2_ERR_CALLBACK_FAILURE;
      }
    }
    c->on_stream_close(stream_id, static_cast<OutStream*>(sud));
    return 0;
  }
  // Only HTTP/3 needs these: the lanes never reset streams and are not flow-control bound.
  static int stream_reset(ngtcp2_conn*, std::int64_t stream_id, std::uint64_t, std::uint64_t,
                          void* ud, void*) {
    QuicConnection* c = self(ud);
    if (c->h3_ && c->h3_->on_stream_reset(stream_id) != 0) return NGTCP2_ERR_CALLBACK_FAILURE;
    return 0;
  }
  static int stream_stop_sending(ngtcp2_conn*, std::int64_t stream_id, std::uint64_t, void* ud,
                                 void*) {
    QuicConnection* c = self(ud);
    if (c->h3_ && c->h3_->on_stream_reset(stream_id) != 0) return NGTCP2_ERR_CALLBACK_FAILURE;
    return 0;
  }
  static int extend_max_stream_data(ngtcp2_conn*, std::int64_t stream_id, std::uint64_t, void* ud,
                                    void*) {
    QuicConnection* c = self(ud);
    if (c->h3_ && c->h3_->on_stream_credit(stream_id) != 0) return NGTCP2_ERR_CALLBACK_FAILURE;
    return 0;
  }
  static int extend_max_remote_streams_bidi(ngtcp2_conn*, std::uint64_t max_streams, void* ud) {
    QuicConnection* c = self(ud);
    if (c->h3_) c->h3_->on_max_client_streams(max_streams);
    return 0;
  }
  static int recv_datagram(ngtcp2_conn*, std::uint32_t, const std::uint8_t* data, std::size_t len,
                           void* ud) {
    self(ud)->on_datagram(data, len);
    return 0;
  }
  static int lost_datagram(ngtcp2_conn*, std::uint64_t, void* ud) {
    ++self(ud)->stats_.datagrams_lost;
    return 0;
  }
  static void qlog_write(void* ud, std::uint32_t flags, const void* data, std::size_t len) {
    QuicConnection* c = self(ud);
    if (!c->qlog_) return;
    std::fwrite(data, 1, len, c->qlog_);
    if (flags & NGTCP2_QLOG_WRITE_FLAG_FIN) {
      std::fclose(c->qlog_);
      c->qlog_ = nullptr;
    }
  }
  static int keylog(gnutls_session_t session, const char* label, const gnutls_datum_t* secret) {
    auto* ref = static_cast<ngtcp2_crypto_conn_ref*>(gnutls_session_get_ptr(session));
    QuicConnection* c = self(ref->user_data);
    if (c->setup_.keylog) c->setup_.keylog->write(session, label, secret);
    return 0;
  }
  static int verify_certificate(gnutls_session_t session) {
    auto* ref = static_cast<ngtcp2_crypto_conn_ref*>(gnutls_session_get_ptr(session));
    QuicConnection* c = self(ref->user_data);
    if (c->setup_.pinned_sha256.empty()) return 0;  // LAN tool: accept any certificate
    unsigned count = 0;
    const gnutls_datum_t* certs = gnutls_certificate_get_peers(session, &count);
    if (count > 0 && sha256_hex(certs[0].data, certs[0].size) == c->setup_.pinned_sha256) return 0;
    c->pin_mismatch_ = true;
    return GNUTLS_E_CERTIFICATE_ERROR;
  }

  static ngtcp2_callbacks table(bool server) {
    ngtcp2_callbacks cb{};
    if (server) {
      cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
    } else {
      cb.client_initial = ngtcp2_crypto_client_initial_cb;
      cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
    }
    cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
    cb.encrypt = ngtcp2_crypto_encrypt_cb;
    cb.decrypt = ngtcp2_crypto_decrypt_cb;
    cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
    cb.update_key = ngtcp2_crypto_update_key_cb;
    cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
    cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
    cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
    cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
    cb.rand = rand;
    cb.get_new_connection_id = new_cid;
    cb.remove_connection_id = remove_cid;
    cb.handshake_completed = handshake_completed;
    cb.handshake_confirmed = handshake_confirmed;
    cb.recv_stream_data = recv_stream_data;
    cb.acked_stream_data_offset = acked_stream_data_offset;
    cb.stream_close = stream_close;
    cb.stream_reset = stream_reset;
    cb.stream_stop_sending = stream_stop_sending;
    cb.extend_max_stream_data = extend_max_stream_data;
    cb.extend_max_remote_streams_bidi = extend_max_remote_streams_bidi;
    cb.recv_datagram = recv_datagram;
    cb.lost_datagram = lost_datagram;
    return cb;
  }
};

ngtcp2_callbacks make_quic_callbacks(bool server) {
  return QuicCallbacks::table(server);
}
ngtcp2_qlog_write quic_qlog_writer() {
  return QuicCallbacks::qlog_write;
}
ngtcp2_conn* quic_get_conn(ngtcp2_crypto_conn_ref* ref) {
  return QuicCallbacks::get_conn(ref);
}

void install_tls_callbacks(gnutls_session_t session, bool server) {
  gnutls_session_set_keylog_function(session, QuicCallbacks::keylog);
  if (!server) gnutls_session_set_verify_function(session, QuicCallbacks::verify_certificate);
}

}  // namespace theta_net::transport
