// TLS over a byte stream, without I/O: GnuTLS reads ciphertext from and writes it to this
// object's buffers (its push and pull functions), so the TCP endpoints put it between the socket
// and a StreamLink (theta/1 records over TLS, or wss://). Certificates are the QUIC endpoints'
// (tls_context.hpp): the server's PEM files or a self-signed one made at start, and the client's
// optional SHA-256 pin.
#pragma once

#include <gnutls/gnutls.h>

#include <memory>
#include <string>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::transport {

class TlsStream {
 public:
  // A server session with `cred` (ServerCredentials), or a client session that checks the
  // server's certificate against `pinned_sha256` (hex, empty = any certificate).
  // Errors: kIo (GnuTLS refuses a step of the session's setup).
  static Result<std::unique_ptr<TlsStream>> create(bool server,
                                                   gnutls_certificate_credentials_t cred,
                                                   const std::string& server_name,
                                                   const std::string& pinned_sha256);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Takes ciphertext from the socket and appends what it decrypts to `plain`; drives the
  // handshake until it is done. `ended` turns true on the peer's close_notify.
  // Errors: kRejected (the handshake failed, or the certificate does not match the pin: the
  // message says which), kCorrupt (a record that does not decrypt or parse).
  Status receive(ByteSpan cipher, Bytes& plain, bool& ended);
  // Encrypts plaintext for the socket; only after the handshake (handshake_done()).
  // Errors: kState (the handshake is not done), kIo (GnuTLS refuses the record).
  Status send(ByteSpan plain);

  // Ciphertext for the socket, and how much of it the socket took.
  ByteSpan output() const { return ByteSpan(out_).subspan(out_pos_); }
  void consume_output(std::size_t n);

  bool handshake_done() const { return done_; }
  // Starts the handshake (a client's hello goes to output()).
  // Errors: those of receive().
  Status start();

 private:
  TlsStream() = default;
  // Moves the handshake on with what has arrived; checks the pin when it completes.
  // Errors: kRejected (the handshake failed, or the certificate does not match the pin).
  Status step_handshake();
  static ssize_t pull(gnutls_transport_ptr_t self, void* buf, std::size_t len);
  static ssize_t push(gnutls_transport_ptr_t self, const void* data, std::size_t len);

  gnutls_session_t session_ = nullptr;
  bool server_ = false;
  bool done_ = false;
  std::string pin_;
  Bytes in_;
  std::size_t in_pos_ = 0;
  Bytes out_;
  std::size_t out_pos_ = 0;
};

}  // namespace theta_net::transport
