// GnuTLS pieces of the QUIC endpoints: the server's certificate (PEM files or a self-signed
// ECDSA P-256 one made at start), client credentials with optional SHA-256 pinning, the NSS
// key log (SSLKEYLOGFILE), and the TLS 1.3 session setup ngtcp2_crypto_gnutls expects.
#pragma once

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "theta_net/core/result.hpp"

namespace theta_net::transport {

// Appends NSS key-log lines ("LABEL CLIENT_RANDOM SECRET") so tshark/Wireshark can decrypt.
class KeyLog {
 public:
  // The configured path, else $SSLKEYLOGFILE, else null (no logging).
  static std::shared_ptr<KeyLog> open(const std::string& configured);
  ~KeyLog();
  void write(gnutls_session_t session, const char* label, const gnutls_datum_t* secret);

 private:
  std::FILE* file_ = nullptr;
  std::mutex mutex_;
};

class ServerCredentials {
 public:
  // Loads PEM files, or generates a self-signed certificate when both paths are empty.
  // Errors: kInvalidArgument (only one of the two paths given), kIo (GnuTLS cannot allocate the
  // credentials, read, parse, generate, sign, install or export the certificate).
  static Result<std::unique_ptr<ServerCredentials>> create(const std::string& cert_file,
                                                           const std::string& key_file);
  ~ServerCredentials();
  gnutls_certificate_credentials_t get() const { return cred_; }
  // Lower-case hex SHA-256 of the certificate's DER encoding (what clients pin).
  const std::string& sha256() const { return sha256_; }

 private:
  gnutls_certificate_credentials_t cred_ = nullptr;
  std::string sha256_;
};

class ClientCredentials {
 public:
  // Certificate credentials for a client connection.
  // Errors: kIo (GnuTLS cannot allocate the credentials).
  static Result<std::unique_ptr<ClientCredentials>> create();
  ~ClientCredentials();
  gnutls_certificate_credentials_t get() const { return cred_; }

 private:
  gnutls_certificate_credentials_t cred_ = nullptr;
};

// "AB:cd:..." or "abcd..." -> lower-case hex without separators; empty on bad input.
std::string normalize_fingerprint(const std::string& text);
std::string sha256_hex(const unsigned char* data, std::size_t len);

struct TlsSessionOptions {
  bool server = false;
  gnutls_certificate_credentials_t cred = nullptr;
  std::string alpn;
  std::string second_alpn;  // a server's other protocol ("h3" beside theta/1); empty = none
  std::string server_name;
  ngtcp2_crypto_conn_ref* conn_ref = nullptr;  // gnutls_session_get_ptr returns this
};

// A TLS 1.3 session set up for ngtcp2 with the options' credentials and ALPN.
// Errors: kIo (GnuTLS or ngtcp2_crypto refuses a step of the setup).
Result<gnutls_session_t> make_tls_session(const TlsSessionOptions& options);

}  // namespace theta_net::transport
