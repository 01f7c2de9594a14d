#include "theta_net/core/ed25519.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "theta_net/core/rng.hpp"

namespace theta_net {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

PkeyPtr private_key(const std::array<std::uint8_t, 32>& seed) {
  return PkeyPtr(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
}

}  // namespace

Result<Ed25519KeyPair> Ed25519KeyPair::from_seed(const std::array<std::uint8_t, 32>& seed) {
  PkeyPtr key = private_key(seed);
  Ed25519KeyPair pair;
  std::size_t len = pair.public_key_.size();
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), pair.public_key_.data(), &len) != 1 ||
      len != pair.public_key_.size()) {
    return make_error(ErrorCode::kInvalidArgument, "OpenSSL refused the Ed25519 seed");
  }
  pair.seed_ = seed;
  return pair;
}

Result<Ed25519KeyPair> Ed25519KeyPair::generate() {
  std::array<std::uint8_t, 32> seed{};
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    return make_error(ErrorCode::kIo, "OpenSSL RAND_bytes failed");
  }
  return from_seed(seed);
}

Ed25519KeyPair Ed25519KeyPair::from_rng(Rng& rng) {
  std::array<std::uint8_t, 32> seed{};
  for (auto& b : seed) b = static_cast<std::uint8_t>(rng.next_u32());
  // Any 32 bytes are a valid Ed25519 seed, so this cannot fail.
  return std::move(from_seed(seed)).value();
}

Ed25519Signature Ed25519KeyPair::sign(ByteSpan message) const {
  Ed25519Signature signature{};
  PkeyPtr key = private_key(seed_);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t len = signature.size();
  if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &len, message.data(), message.size()) != 1) {
    signature.fill(0);  // an all-zero signature never verifies
  }
  return signature;
}

bool ed25519_verify(const Ed25519PublicKey& public_key, ByteSpan message,
                    const Ed25519Signature& signature) {
  PkeyPtr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
}

}  // namespace theta_net
