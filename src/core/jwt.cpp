#include "core/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <stdexcept>

#include "core/base64url.hpp"

namespace pm::jwt {

namespace {

// No passphrase prompt, ever: an encrypted key is refused (the server has no terminal).
int no_passphrase(char*, int, int, void*) { return 0; }

// OpenSSL signs ECDSA as DER SEQUENCE {r, s}; JWS wants fixed-width r||s (RFC 7518 §3.4).
std::string der_to_raw_ecdsa(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())),
                                                            ECDSA_SIG_free);
  if (!sig) throw std::runtime_error("ECDSA signature cannot be decoded");
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32)
    throw std::runtime_error("ECDSA signature out of range");
  return raw;
}

}  // namespace

std::expected<SigningKey, std::string> parse_signing_key(std::string_view pem, std::string kid) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr;
  ERR_clear_error();
  if (!raw) return std::unexpected("not a PEM private key (or an encrypted one, which is not supported)");
  SigningKey k{.key = std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free), .alg = Algorithm::rs256, .kid = std::move(kid)};
  if (EVP_PKEY_is_a(raw, "RSA")) {
    if (EVP_PKEY_get_bits(raw) < 2048) return std::unexpected("an RSA key must have at least 2048 bits");
    return k;
  }
  char group[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_is_a(raw, "EC") && EVP_PKEY_get_group_name(raw, group, sizeof group, &len) == 1 &&
      std::string_view(group, len) == "prime256v1") {
    k.alg = Algorithm::es256;
    return k;
  }
  ERR_clear_error();
  return std::unexpected("the key must be RSA (RS256) or EC P-256 (ES256)");
}

std::string sign_jwt(const SigningKey& key, const Json& claims) {
  Json header = {{"alg", key.alg == Algorithm::es256 ? "ES256" : "RS256"}, {"typ", "JWT"}};
  if (!key.kid.empty()) header["kid"] = key.kid;
  const auto input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  // A key that parse_signing_key accepted always signs; failing here is a broken OpenSSL.
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key.key.get(), nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1)
    throw std::runtime_error("OpenSSL cannot sign with the key");
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, in, input.size()) != 1)
    throw std::runtime_error("OpenSSL cannot sign with the key");
  signature.resize(len);
  if (key.alg == Algorithm::es256) signature = der_to_raw_ecdsa(signature);
  return input + "." + base64url_encode(signature);
}

}  // namespace pm::jwt
