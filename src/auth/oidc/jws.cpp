#include "auth/oidc/jws.hpp"

#include <algorithm>
#include <memory>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>

namespace pm::auth::oidc {

namespace {

using Unexpected = std::unexpected<std::string>;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// JWS carries ECDSA signatures as fixed-width r||s; OpenSSL verifies the DER SEQUENCE {r, s}.
std::expected<std::string, std::string> raw_ecdsa_to_der(std::string_view raw) {
  if (raw.size() != 64) return Unexpected("an ES256 signature must be 64 bytes (r||s)");
  auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {  // set0 owns r and s only on success
    BN_free(r);
    BN_free(s);
    return Unexpected("out of memory");
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return Unexpected("the ES256 signature cannot be encoded");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace

std::expected<CompactJws, std::string> split_compact(std::string_view token) {
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    auto segments = 1 + std::count(token.begin(), token.end(), '.');
    return Unexpected(segments == 5 ? "encrypted tokens (JWE, 5 segments) are not accepted"
                                    : "a signed token has exactly 3 dot-separated segments, this has " +
                                          std::to_string(segments));
  }
  CompactJws jws;
  jws.signing_input = token.substr(0, second);
  jws.header = token.substr(0, first);
  jws.payload = token.substr(first + 1, second - first - 1);
  jws.signature = token.substr(second + 1);
  return jws;
}

std::expected<Algorithm, std::string> parse_algorithm(std::string_view alg) {
  if (alg == "RS256") return Algorithm::rs256;
  if (alg == "ES256") return Algorithm::es256;
  if (alg == "none" || alg == "None" || alg == "NONE") return Unexpected("unsigned tokens (alg \"none\") are refused");
  if (alg.starts_with("HS"))
    return Unexpected("HMAC algorithms (HS256, ...) are refused: only RS256 and ES256 are accepted");
  return Unexpected("the algorithm is not supported: only RS256 and ES256 are accepted");
}

bool key_fits(Algorithm alg, KeyType type) {
  return (alg == Algorithm::rs256 && type == KeyType::rsa) || (alg == Algorithm::es256 && type == KeyType::ec_p256);
}

std::expected<void, std::string> verify_signature(Algorithm alg, const Jwk& key, std::string_view signing_input,
                                                  std::string_view signature) {
  if (!key_fits(alg, key.type)) return Unexpected("the algorithm does not match the key's type");
  std::string der;
  if (alg == Algorithm::es256) {
    auto converted = raw_ecdsa_to_der(signature);
    if (!converted) return Unexpected(converted.error());
    der = std::move(*converted);
    signature = der;
  } else if (static_cast<int>(signature.size()) != EVP_PKEY_get_size(key.key.get())) {
    return Unexpected("the RS256 signature's length does not match the key");
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  // The default RSA padding is PKCS#1 v1.5, which is what RS256 means.
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key.key.get(), nullptr) != 1) {
    ERR_clear_error();
    return Unexpected("the key cannot be used for verification");
  }
  int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  if (ok != 1) {
    ERR_clear_error();  // a bad signature is an answer, not an error to leave on this thread's queue
    return Unexpected("the signature does not verify");
  }
  return {};
}

}  // namespace pm::auth::oidc
