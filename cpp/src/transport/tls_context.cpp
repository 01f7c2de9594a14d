#include "tls_context.hpp"

#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace theta_net::transport {
namespace {

// TLS 1.3 only, the QUIC cipher suites, no middlebox compatibility mode (RFC 9001 section 8.4).
constexpr const char* kPriority =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
    "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:%DISABLE_TLS13_COMPAT_MODE";

Error tls_error(const char* what, int rc) {
  return make_error(ErrorCode::kIo, what, ": ", gnutls_strerror(rc));
}

}  // namespace

std::string sha256_hex(const unsigned char* data, std::size_t len) {
  unsigned char digest[32];
  gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string normalize_fingerprint(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out.size() == 64 ? out : std::string();
}

std::shared_ptr<KeyLog> KeyLog::open(const std::string& configured) {
  std::string path = configured;
  if (path.empty()) {
    if (const char* env = std::getenv("SSLKEYLOGFILE")) path = env;
  }
  if (path.empty()) return nullptr;
  auto log = std::make_shared<KeyLog>();
  log->file_ = std::fopen(path.c_str(), "a");
  if (!log->file_) return nullptr;
  return log;
}

KeyLog::~KeyLog() {
  if (file_) std::fclose(file_);
}

void KeyLog::write(gnutls_session_t session, const char* label, const gnutls_datum_t* secret) {
  gnutls_datum_t client_random{}, server_random{};
  gnutls_session_get_random(session, &client_random, &server_random);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string line = label;
  line += ' ';
  for (unsigned i = 0; i < client_random.size; ++i) {
    line += kHex[client_random.data[i] >> 4];
    line += kHex[client_random.data[i] & 15];
  }
  line += ' ';
  for (unsigned i = 0; i < secret->size; ++i) {
    line += kHex[secret->data[i] >> 4];
    line += kHex[secret->data[i] & 15];
  }
  line += '\n';
  std::lock_guard lock(mutex_);
  std::fputs(line.c_str(), file_);
  std::fflush(file_);
}

Result<std::unique_ptr<ServerCredentials>> ServerCredentials::create(const std::string& cert_file,
                                                                     const std::string& key_file) {
  auto out = std::make_unique<ServerCredentials>();
  if (int rc = gnutls_certificate_allocate_credentials(&out->cred_); rc < 0) {
    return tls_error("allocating credentials", rc);
  }
  gnutls_x509_crt_t crt = nullptr;
  gnutls_x509_privkey_t key = nullptr;
  struct Cleanup {
    gnutls_x509_crt_t& c;
    gnutls_x509_privkey_t& k;
    ~Cleanup() {
      if (c) gnutls_x509_crt_deinit(c);
      if (k) gnutls_x509_privkey_deinit(k);
    }
  } cleanup{crt, key};

  if (!cert_file.empty() || !key_file.empty()) {
    if (cert_file.empty() || key_file.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "give both a certificate and a key file");
    }
    int rc = gnutls_certificate_set_x509_key_file(out->cred_, cert_file.c_str(), key_file.c_str(),
                                                  GNUTLS_X509_FMT_PEM);
    if (rc < 0) return tls_error(str_cat("loading ", cert_file, " / ", key_file).c_str(), rc);
    gnutls_datum_t pem{};
    if ((rc = gnutls_load_file(cert_file.c_str(), &pem)) < 0) return tls_error("reading cert", rc);
    gnutls_x509_crt_init(&crt);
    rc = gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM);
    gnutls_free(pem.data);
    if (rc < 0) return tls_error("parsing the certificate", rc);
  } else {
    gnutls_x509_privkey_init(&key);
    int rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    if (rc < 0) return tls_error("generating an ECDSA P-256 key", rc);
    gnutls_x509_crt_init(&crt);
    const std::time_t now = std::time(nullptr);
    unsigned char serial[16];
    gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
    serial[0] &= 0x7f;
    gnutls_x509_crt_set_version(crt, 3);
    gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    gnutls_x509_crt_set_activation_time(crt, now - 3600);
    gnutls_x509_crt_set_expiration_time(crt, now + 365L * 24 * 3600);
    gnutls_x509_crt_set_dn(crt, "CN=theta_net", nullptr);
    gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9, GNUTLS_FSAN_SET);
    gnutls_x509_crt_set_key(crt, key);
    gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
    if ((rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0) {
      return tls_error("self-signing the certificate", rc);
    }
    if ((rc = gnutls_certificate_set_x509_key(out->cred_, &crt, 1, key)) < 0) {
      return tls_error("installing the certificate", rc);
    }
  }
  gnutls_datum_t der{};
  if (int rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der); rc < 0) {
    return tls_error("exporting the certificate", rc);
  }
  out->sha256_ = sha256_hex(der.data, der.size);
  gnutls_free(der.data);
  return out;
}

ServerCredentials::~ServerCredentials() {
  if (cred_) gnutls_certificate_free_credentials(cred_);
}

Result<std::unique_ptr<ClientCredentials>> ClientCredentials::create() {
  auto out = std::make_unique<ClientCredentials>();
  if (int rc = gnutls_certificate_allocate_credentials(&out->cred_); rc < 0) {
    return tls_error("allocating credentials", rc);
  }
  return out;
}

ClientCredentials::~ClientCredentials() {
  if (cred_) gnutls_certificate_free_credentials(cred_);
}

Result<gnutls_session_t> make_tls_session(const TlsSessionOptions& o) {
  gnutls_session_t session = nullptr;
  const unsigned flags = (o.server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NO_END_OF_EARLY_DATA;
  if (int rc = gnutls_init(&session, flags); rc < 0) return tls_error("gnutls_init", rc);
  auto fail = [&](const char* what, int rc) {
    gnutls_deinit(session);
    return tls_error(what, rc);
  };
  if (int rc = gnutls_priority_set_direct(session, kPriority, nullptr); rc < 0) {
    return fail("setting TLS priorities", rc);
  }
  const int rc = o.server ? ngtcp2_crypto_gnutls_configure_server_session(session)
                          : ngtcp2_crypto_gnutls_configure_client_session(session);
  if (rc != 0) return fail("configuring the QUIC TLS session", GNUTLS_E_INTERNAL_ERROR);
  gnutls_session_set_ptr(session, o.conn_ref);
  if (int r = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, o.cred); r < 0) {
    return fail("setting credentials", r);
  }
  gnutls_datum_t alpn[2] = {
      {reinterpret_cast<unsigned char*>(const_cast<char*>(o.alpn.data())),
       static_cast<unsigned>(o.alpn.size())},
      {reinterpret_cast<unsigned char*>(const_cast<char*>(o.second_alpn.data())),
       static_cast<unsigned>(o.second_alpn.size())}};
  const unsigned alpn_count = o.second_alpn.empty() ? 1 : 2;
  if (int r = gnutls_alpn_set_protocols(session, alpn, alpn_count,
                                        o.server ? GNUTLS_ALPN_MANDATORY : 0);
      r < 0) {
    return fail("setting ALPN", r);
  }
  if (!o.server && !o.server_name.empty()) {
    gnutls_server_name_set(session, GNUTLS_NAME_DNS, o.server_name.data(), o.server_name.size());
  }
  return session;
}

}  // namespace theta_net::transport
