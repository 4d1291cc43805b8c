#include "notifications/push_crypto.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "core/base64url.hpp"

namespace pm::notifications::push {

namespace {

constexpr std::uint32_t kRecordSize = 4096;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kTagBytes = 16;

const unsigned char* uchars(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Key own_key(EVP_PKEY* raw) { return Key(raw, EVP_PKEY_free); }

// A P-256 key of `selection` from the OSSL_PARAMs `add` pushes (besides the group), whose public
// point must lie on the curve (a bad point is how invalid-curve attacks start).
template <class Add>
std::optional<Key> p256_from(int selection, Add&& add) {
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1)
    return std::nullopt;
  std::unique_ptr<BIGNUM, decltype(&BN_free)> scalar(nullptr, BN_free);
  if (!add(bld.get(), scalar)) return std::nullopt;
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()), OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr),
                                                                  EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  Key key = own_key(raw);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> check(EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr),
                                                                    EVP_PKEY_CTX_free);
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  return key;
}

std::expected<std::string, std::string> ecdh(const Key& mine, const Key& theirs) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, mine.get(), nullptr), EVP_PKEY_CTX_free);
  std::size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), theirs.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    ERR_clear_error();
    return std::unexpected("ECDH failed");
  }
  std::string secret(len, '\0');
  if (EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(secret.data()), &len) != 1) {
    ERR_clear_error();
    return std::unexpected("ECDH failed");
  }
  secret.resize(len);
  return secret;
}

// HKDF-SHA-256 (RFC 5869), extract then expand, `length` bytes.
std::expected<std::string, std::string> hkdf(std::string_view salt, std::string_view ikm, std::string_view info,
                                             std::size_t length) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr), EVP_KDF_free);
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr,
                                                                EVP_KDF_CTX_free);
  if (!ctx) return std::unexpected("HKDF is not available");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
      OSSL_PARAM_construct_end()};
  std::string out(length, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), length, params) != 1) {
    ERR_clear_error();
    return std::unexpected("HKDF failed");
  }
  return out;
}

// AES-128-GCM of `plaintext`: the ciphertext with the 16-byte tag after it.
std::expected<std::string, std::string> aes128gcm_seal(std::string_view key, std::string_view nonce,
                                                       std::string_view plaintext) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(plaintext.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex2(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) != 1 ||
      EVP_EncryptInit_ex2(ctx.get(), nullptr, uchars(key), uchars(nonce), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), o, &len, uchars(plaintext), static_cast<int>(plaintext.size())) != 1) {
    ERR_clear_error();
    return std::unexpected("AES-128-GCM failed");
  }
  int total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), o + total, &len) != 1) {
    ERR_clear_error();
    return std::unexpected("AES-128-GCM failed");
  }
  total += len;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), o + total) != 1) {
    ERR_clear_error();
    return std::unexpected("AES-128-GCM failed");
  }
  out.resize(static_cast<std::size_t>(total) + kTagBytes);
  return out;
}

}  // namespace

std::optional<Key> p256_public_key(std::string_view point) {
  if (point.size() != kP256PointBytes || point[0] != 0x04) return std::nullopt;
  return p256_from(EVP_PKEY_PUBLIC_KEY, [&](OSSL_PARAM_BLD* bld, auto&) {
    return OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1;
  });
}

std::optional<Key> p256_key_pair(std::string_view private_scalar, std::string_view point) {
  if (private_scalar.size() != 32 || point.size() != kP256PointBytes) return std::nullopt;
  return p256_from(EVP_PKEY_KEYPAIR, [&](OSSL_PARAM_BLD* bld, auto& scalar) {
    scalar.reset(BN_bin2bn(uchars(private_scalar), 32, nullptr));
    return scalar && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, scalar.get()) == 1 &&
           OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1;
  });
}

Key new_p256_key() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!raw) throw std::runtime_error("OpenSSL cannot make a P-256 key");
  return own_key(raw);
}

std::string public_point(const Key& key) {
  std::string point(kP256PointBytes, '\0');
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                      reinterpret_cast<unsigned char*>(point.data()), point.size(), &len) != 1 ||
      len != kP256PointBytes) {
    ERR_clear_error();
    return {};
  }
  return point;
}

std::expected<std::string, std::string> encrypt(std::string_view plaintext, std::string_view ua_public,
                                                std::string_view auth_secret) {
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
    return std::unexpected("no random bytes");
  return encrypt_with(plaintext, ua_public, auth_secret, new_p256_key(), salt);
}

std::expected<std::string, std::string> encrypt_with(std::string_view plaintext, std::string_view ua_public,
                                                     std::string_view auth_secret, const Key& sender,
                                                     std::string_view salt) {
  if (plaintext.size() > kMaxPlaintext) return std::unexpected("the payload is larger than one record");
  if (auth_secret.size() != kAuthSecretBytes || salt.size() != kSaltBytes)
    return std::unexpected("the auth secret and the salt must have 16 bytes");
  auto ua = p256_public_key(ua_public);
  if (!ua) return std::unexpected("the subscription's p256dh is not a P-256 point");
  const std::string as_public = public_point(sender);
  auto shared = ecdh(sender, *ua);
  if (!shared) return std::unexpected(shared.error());
  // RFC 8291 §3.4: key_info = "WebPush: info" 0x00 ua_public as_public; IKM = HKDF(auth, ecdh, key_info, 32).
  const std::string key_info = std::string("WebPush: info") + '\0' + std::string(ua_public) + as_public;
  auto ikm = hkdf(auth_secret, *shared, key_info, 32);
  if (!ikm) return std::unexpected(ikm.error());
  // RFC 8188 §2.2-2.3: the content key and the nonce from the salt and IKM.
  auto cek = hkdf(salt, *ikm, std::string("Content-Encoding: aes128gcm") + '\0', 16);
  auto nonce = hkdf(salt, *ikm, std::string("Content-Encoding: nonce") + '\0', 12);
  if (!cek || !nonce) return std::unexpected("HKDF failed");
  // One record, the last: the plaintext then the delimiter 0x02 (RFC 8188 §2; RFC 8291 §4).
  auto sealed = aes128gcm_seal(*cek, *nonce, std::string(plaintext) + '\x02');
  if (!sealed) return std::unexpected(sealed.error());
  // The header (RFC 8188 §2.1): salt, rs (uint32 big-endian), idlen, keyid = the sender's public point.
  std::string out(salt);
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((kRecordSize >> shift) & 0xFF);
  out += static_cast<char>(as_public.size());
  out += as_public;
  out += *sealed;
  return out;
}

std::string origin_of(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  auto end = url.find_first_of("/?#", scheme + 3);
  return std::string(url.substr(0, end));
}

std::expected<Vapid, std::string> load_vapid(std::string_view pem, std::string subject) {
  if (!subject.starts_with("mailto:") && !subject.starts_with("https://"))
    return std::unexpected("the VAPID contact (PM_VAPID_SUBJECT) must be a mailto: or https: URL");
  auto key = jwt::parse_signing_key(pem, "");
  if (!key) return std::unexpected("the VAPID key: " + key.error());
  if (key->alg != jwt::Algorithm::es256) return std::unexpected("the VAPID key must be an EC P-256 key");
  auto point = public_point(key->key);
  if (point.empty()) return std::unexpected("the VAPID key has no public point");
  return Vapid{.key = std::move(*key), .public_key = base64url_encode(point), .subject = std::move(subject)};
}

std::string vapid_authorization(const Vapid& vapid, std::string_view endpoint,
                                std::chrono::system_clock::time_point now) {
  const auto exp =
      std::chrono::duration_cast<std::chrono::seconds>((now + std::chrono::hours(12)).time_since_epoch()).count();
  const auto token = jwt::sign_jwt(vapid.key, {{"aud", origin_of(endpoint)}, {"exp", exp}, {"sub", vapid.subject}});
  return "vapid t=" + token + ", k=" + vapid.public_key;
}

NewVapidKey new_vapid_key() {
  Key key = new_p256_key();
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw std::runtime_error("OpenSSL cannot write the key");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return {.private_pem = std::string(data, static_cast<std::size_t>(len)),
          .public_key = base64url_encode(public_point(key))};
}

}  // namespace pm::notifications::push
