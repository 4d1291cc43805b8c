#include "support/oidc_tokens.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/base64url.hpp"

namespace pm::test::oidc {

namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL failed: ") + what);
}

std::string bn_param(EVP_PKEY* key, const char* name, int width = 0) {
  BIGNUM* bn = nullptr;
  check(EVP_PKEY_get_bn_param(key, name, &bn) == 1, name);
  int len = width ? width : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(len), '\0');
  int written = BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), len);
  BN_free(bn);
  check(written == len, "BN_bn2binpad");
  return out;
}

}  // namespace

TestKey TestKey::rsa(std::string kid, int bits) {
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned>(bits));
  check(key != nullptr, "EVP_RSA_gen");
  return TestKey(std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free), std::move(kid), false);
}

TestKey TestKey::ec_p256(std::string kid) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  check(key != nullptr, "EVP_EC_gen");
  return TestKey(std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free), std::move(kid), true);
}

Json TestKey::jwk() const {
  Json j = {{"kid", kid_}, {"use", "sig"}, {"alg", alg()}};
  if (ec_) {
    j["kty"] = "EC";
    j["crv"] = "P-256";
    j["x"] = b64url(bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32));
    j["y"] = b64url(bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32));
  } else {
    j["kty"] = "RSA";
    j["n"] = b64url(bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_N));
    j["e"] = b64url(bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_E));
  }
  return j;
}

std::string TestKey::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  check(bio && PEM_write_bio_PUBKEY(bio, key_.get()) == 1, "PEM_write_bio_PUBKEY");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return pem;
}

std::string TestKey::private_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  check(bio && PEM_write_bio_PrivateKey(bio, key_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return pem;
}

std::string TestKey::sign(std::string_view input) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  check(ctx && EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key_.get(), nullptr) == 1, "sign init");
  std::size_t len = 0;
  auto* in = reinterpret_cast<const unsigned char*>(input.data());
  check(EVP_DigestSign(ctx, nullptr, &len, in, input.size()) == 1, "sign size");
  std::string sig(len, '\0');
  check(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()) == 1, "sign");
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  if (!ec_) return sig;
  // DER SEQUENCE {r, s} -> fixed-width r||s, as JWS wants.
  auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  check(ecdsa != nullptr, "d2i_ECDSA_SIG");
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(ecdsa);
  return raw;
}

Json jwks(const std::vector<const TestKey*>& keys) {
  Json list = Json::array();
  for (const auto* k : keys) list.push_back(k->jwk());
  return {{"keys", list}};
}

void write_file(const std::string& path, const std::string& document) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << document;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename to " + path);
}

std::string b64url(std::string_view bytes) { return base64url_encode(bytes); }

std::string compact(const Json& header, const Json& payload, std::string_view signature) {
  return b64url(header.dump()) + "." + b64url(payload.dump()) + "." + b64url(signature);
}

std::string sign_token(const TestKey& key, const Json& payload, const Json& header_changes) {
  Json header = {{"alg", key.alg()}, {"kid", key.kid()}, {"typ", "JWT"}};
  header.update(header_changes);
  std::string input = b64url(header.dump()) + "." + b64url(payload.dump());
  return input + "." + b64url(key.sign(input));
}

std::string sign_hs256(const Json& header, const Json& payload, std::string_view secret) {
  std::string input = b64url(header.dump()) + "." + b64url(payload.dump());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  check(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len) != nullptr,
        "HMAC");
  return input + "." + b64url(std::string_view(reinterpret_cast<char*>(mac), len));
}

long long epoch_seconds(std::chrono::seconds offset) {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch() + offset)
      .count();
}

Json claims(const std::string& issuer, const Json& audience, const std::string& subject) {
  return {{"iss", issuer},
          {"aud", audience},
          {"sub", subject},
          {"iat", epoch_seconds()},
          {"exp", epoch_seconds(std::chrono::minutes(10))},
          {"email", "ada@example.com"},
          {"email_verified", true},
          {"given_name", "Ada"},
          {"family_name", "Lovelace"}};
}

}  // namespace pm::test::oidc
