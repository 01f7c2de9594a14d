#include "tls_stream.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tls_context.hpp"

namespace theta_net::transport {

namespace {

Status gnutls_step(int rc, const char* what) {
  if (rc == GNUTLS_E_SUCCESS) return {};
  return make_error(ErrorCode::kIo, what, ": ", gnutls_strerror(rc));
}

}  // namespace

Result<std::unique_ptr<TlsStream>> TlsStream::create(bool server,
                                                     gnutls_certificate_credentials_t cred,
                                                     const std::string& server_name,
                                                     const std::string& pinned_sha256) {
  std::unique_ptr<TlsStream> s(new TlsStream());
  s->server_ = server;
  s->pin_ = normalize_fingerprint(pinned_sha256);
  THETA_TRY(gnutls_step(
      gnutls_init(&s->session_, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NONBLOCK),
      "gnutls_init"));
  THETA_TRY(gnutls_step(gnutls_set_default_priority(s->session_), "gnutls_set_default_priority"));
  THETA_TRY(gnutls_step(gnutls_credentials_set(s->session_, GNUTLS_CRD_CERTIFICATE, cred),
                        "gnutls_credentials_set"));
  if (!server && !server_name.empty()) {
    THETA_TRY(gnutls_step(gnutls_server_name_set(s->session_, GNUTLS_NAME_DNS, server_name.data(),
                                                 server_name.size()),
                          "gnutls_server_name_set"));
  }
  gnutls_transport_set_ptr(s->session_, s.get());
  gnutls_transport_set_pull_function(s->session_, &TlsStream::pull);
  gnutls_transport_set_push_function(s->session_, &TlsStream::push);
  return s;
}

TlsStream::~TlsStream() {
  if (session_) gnutls_deinit(session_);
}

ssize_t TlsStream::pull(gnutls_transport_ptr_t self, void* buf, std::size_t len) {
  auto* s = static_cast<TlsStream*>(self);
  const std::size_t n = std::min(len, s->in_.size() - s->in_pos_);
  if (n == 0) {
    gnutls_transport_set_errno(s->session_, EAGAIN);
    return -1;
  }
  std::memcpy(buf, s->in_.data() + s->in_pos_, n);
  s->in_pos_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t TlsStream::push(gnutls_transport_ptr_t self, const void* data, std::size_t len) {
  auto* s = static_cast<TlsStream*>(self);
  const auto* p = static_cast<const std::uint8_t*>(data);
  s->out_.insert(s->out_.end(), p, p + len);
  return static_cast<ssize_t>(len);
}

Status TlsStream::start() {
  return step_handshake();
}

Status TlsStream::step_handshake() {
  if (done_) return {};
  const int rc = gnutls_handshake(session_);
  if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) return {};
  if (rc < 0) {
    return make_error(ErrorCode::kRejected, "TLS handshake failed: ", gnutls_strerror(rc));
  }
  if (!server_ && !pin_.empty()) {
    unsigned int count = 0;
    const gnutls_datum_t* certs = gnutls_certificate_get_peers(session_, &count);
    if (count == 0 || sha256_hex(certs[0].data, certs[0].size) != pin_) {
      return make_error(ErrorCode::kRejected,
                        "the server certificate does not match the pinned SHA-256");
    }
  }
  done_ = true;
  return {};
}

Status TlsStream::receive(ByteSpan cipher, Bytes& plain, bool& ended) {
  in_.insert(in_.end(), cipher.begin(), cipher.end());
  THETA_TRY(step_handshake());
  while (done_) {
    std::uint8_t buf[16 * 1024];
    const ssize_t n = gnutls_record_recv(session_, buf, sizeof buf);
    if (n > 0) {
      plain.insert(plain.end(), buf, buf + n);
      continue;
    }
    if (n == 0) {
      ended = true;  // close_notify
      break;
    }
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) break;
    return make_error(ErrorCode::kCorrupt, "TLS record: ", gnutls_strerror(static_cast<int>(n)));
  }
  // Drop what GnuTLS has read.
  in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_pos_));
  in_pos_ = 0;
  return {};
}

Status TlsStream::send(ByteSpan plain) {
  if (!done_) return make_error(ErrorCode::kState, "the TLS handshake is not done");
  while (!plain.empty()) {
    const ssize_t n = gnutls_record_send(session_, plain.data(), plain.size());
    if (n < 0) {
      return make_error(ErrorCode::kIo, "TLS send: ", gnutls_strerror(static_cast<int>(n)));
    }
    plain = plain.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

void TlsStream::consume_output(std::size_t n) {
  out_pos_ += std::min(n, out_.size() - out_pos_);
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
  }
}

}  // namespace theta_net::transport
