#include "auth/oidc/jwk.hpp"

#include <algorithm>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <fmt/format.h>

#include "core/base64url.hpp"

namespace pm::auth::oidc {

namespace {

constexpr int min_rsa_bits = 2048;
// Verification cost grows with the modulus; nobody signs ID tokens with more than 4096 bits.
constexpr int max_rsa_bits = 8192;

using Unexpected = std::unexpected<std::string>;

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using Ctx = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;

Bn to_bn(std::string_view bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
}

// EVP_PKEY_fromdata for a public key of `type` ("RSA", "EC") from the parameters in `bld`,
// then OpenSSL's own public-key check (RSA: odd modulus, sane exponent; EC: point on the curve).
std::expected<PublicKey, std::string> from_params(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return Unexpected("out of memory building key parameters");
  Ctx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || !raw) {
    ERR_clear_error();  // the reason is returned; leave nothing on this thread's error queue
    return Unexpected("OpenSSL refused the key parameters");
  }
  PublicKey key(raw, EVP_PKEY_free);
  Ctx check(EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return Unexpected("the public key fails validation");
  }
  return key;
}

std::expected<std::string, std::string> b64_member(const Json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return Unexpected(fmt::format("\"{}\" is missing or not a string", name));
  auto bytes = base64url_decode(it->get_ref<const std::string&>());
  if (!bytes || bytes->empty()) return Unexpected(fmt::format("\"{}\" is not valid base64url", name));
  return *bytes;
}

}  // namespace

std::expected<PublicKey, std::string> rsa_public_key(std::string_view n, std::string_view e) {
  Bn bn_n = to_bn(n), bn_e = to_bn(e);
  if (!bn_n || !bn_e) return Unexpected("out of memory");
  int bits = BN_num_bits(bn_n.get());
  if (bits < min_rsa_bits)
    return Unexpected(fmt::format("RSA key of {} bits; at least {} required", bits, min_rsa_bits));
  if (bits > max_rsa_bits)
    return Unexpected(fmt::format("RSA key of {} bits; at most {} accepted", bits, max_rsa_bits));
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    return Unexpected("out of memory building key parameters");
  return from_params("RSA", bld.get());
}

std::expected<PublicKey, std::string> ec_p256_public_key(std::string_view x, std::string_view y) {
  if (x.size() != 32 || y.size() != 32) return Unexpected("P-256 coordinates must be 32 bytes each");
  // SEC 1 uncompressed point: 0x04 || x || y.
  std::string point = "\x04";
  point.append(x).append(y);
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
    return Unexpected("out of memory building key parameters");
  return from_params("EC", bld.get());
}

std::expected<Jwk, std::string> parse_jwk(const Json& jwk) {
  if (!jwk.is_object()) return Unexpected("a key is not a JSON object");
  Jwk out;
  out.kid = string_member(jwk, "kid");
  // Keys are chosen by the token's "kid"; a key without one could never be selected.
  if (out.kid.empty()) return Unexpected("a key has no \"kid\"");
  auto fail = [&](std::string why) { return Unexpected(fmt::format("key \"{}\": {}", out.kid, why)); };

  if (auto use = jwk.find("use"); use != jwk.end() && *use != "sig") return fail("\"use\" is not \"sig\"");
  if (auto ops = jwk.find("key_ops"); ops != jwk.end()) {
    if (!ops->is_array() || std::find(ops->begin(), ops->end(), Json("verify")) == ops->end())
      return fail("\"key_ops\" does not allow \"verify\"");
  }
  out.alg = string_member(jwk, "alg");
  const std::string kty = string_member(jwk, "kty");

  if (kty == "RSA") {
    if (!out.alg.empty() && out.alg != "RS256") return fail(fmt::format("unsupported alg \"{}\"", out.alg));
    auto n = b64_member(jwk, "n");
    if (!n) return fail(n.error());
    auto e = b64_member(jwk, "e");
    if (!e) return fail(e.error());
    auto key = rsa_public_key(*n, *e);
    if (!key) return fail(key.error());
    out.type = KeyType::rsa;
    out.key = std::move(*key);
    return out;
  }
  if (kty == "EC") {
    if (string_member(jwk, "crv") != "P-256") return fail("only the EC curve P-256 is supported");
    if (!out.alg.empty() && out.alg != "ES256") return fail(fmt::format("unsupported alg \"{}\"", out.alg));
    auto x = b64_member(jwk, "x");
    if (!x) return fail(x.error());
    auto y = b64_member(jwk, "y");
    if (!y) return fail(y.error());
    auto key = ec_p256_public_key(*x, *y);
    if (!key) return fail(key.error());
    out.type = KeyType::ec_p256;
    out.key = std::move(*key);
    return out;
  }
  // "oct" (a shared secret) in particular: an HMAC key has no place in a public key set.
  return fail(fmt::format("unsupported key type \"{}\"", kty));
}

std::vector<const Jwk*> KeySet::find(std::string_view kid) const {
  std::vector<const Jwk*> found;
  for (const auto& k : keys)
    if (k.kid == kid) found.push_back(&k);
  return found;
}

std::expected<KeySet, std::string> parse_jwks(std::string_view document) {
  auto json = parse_json(document);
  if (!json) return Unexpected("the key set is not valid JSON");
  auto keys = json->is_object() ? json->find("keys") : json->end();
  if (!json->is_object() || keys == json->end() || !keys->is_array())
    return Unexpected("the key set has no \"keys\" array");
  KeySet set;
  for (const auto& jwk : *keys) {
    auto key = parse_jwk(jwk);
    if (key)
      set.keys.push_back(std::move(*key));
    else
      set.skipped.push_back(std::move(key.error()));
  }
  return set;
}

}  // namespace pm::auth::oidc
