#include "http/request_id.hpp"

#include <array>
#include <charconv>
#include <cstdint>

#include "core/crypto.hpp"

namespace pm::http {

namespace {

// xoshiro256** (Blackman and Vigna): fast, and far more than enough to keep ids apart.
class Generator {
 public:
  Generator() {
    const std::string seed = crypto::random_hex(sizeof state_);
    for (std::size_t i = 0; i < state_.size(); ++i)
      std::from_chars(seed.data() + i * 16, seed.data() + (i + 1) * 16, state_[i], 16);
    if (state_ == decltype(state_){}) state_[0] = 1;  // the one state it must not start from
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> state_{};
};

}  // namespace

std::string new_request_id() {
  thread_local Generator generator;
  std::array<unsigned char, 16> b{};
  for (int half = 0; half < 2; ++half) {
    std::uint64_t v = generator.next();
    for (int i = 0; i < 8; ++i) b[half * 8 + i] = static_cast<unsigned char>(v >> (8 * i));
  }
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  std::size_t at = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++at;  // the dashes: 8-4-4-4-12
    id[at++] = kHex[b[i] >> 4];
    id[at++] = kHex[b[i] & 0x0f];
  }
  return id;
}

}  // namespace pm::http
