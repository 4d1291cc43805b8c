// ReciprocalModel::to_bytes / from_bytes: the stored form of a trained model.
//
//   "PMRM"  u32 format version  u32 n  JSON of TrainingInfo + model scalars (n bytes; from format 2
//           with "cold_start": the calibrated cold-start score's weights, or null)
//   f64 × 5 weights  u32 users  u32 factors
//   per user: u16 id length, id bytes, f32 × 4 counts, f32 × factors taste, f32 × factors attraction
//   u64 FNV-1a of everything before it
//
// Little-endian whatever the machine. A new layout or meaning gets a new kFormatVersion; an old
// model is then refused (and retrained) rather than misread. Format 1 (before the cold-start score)
// is still read: its questionnaire part is today's score, as when it was trained.

#include <bit>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "matching/learning/reciprocal_model.hpp"

namespace pm::matching::learning {

namespace {

// The most factors a model may have (`perfectmatch evaluate --factors` allows as many).
constexpr int kMaxFactors = 256;

constexpr std::string_view kMagic = "PMRM";

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

class Writer {
 public:
  template <class T>
  void put(T value) {
    using U = std::conditional_t<sizeof(T) == 8, std::uint64_t,
                                 std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint16_t>>;
    U bits = std::bit_cast<U>(value);
    for (std::size_t i = 0; i < sizeof(U); ++i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
  void put_bytes(std::string_view bytes) { out_.append(bytes); }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <class T>
  bool get(T& value) {
    using U = std::conditional_t<sizeof(T) == 8, std::uint64_t,
                                 std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint16_t>>;
    if (in_.size() - at_ < sizeof(U)) return false;
    U bits = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i)
      bits |= static_cast<U>(static_cast<unsigned char>(in_[at_ + i])) << (8 * i);
    at_ += sizeof(U);
    value = std::bit_cast<T>(bits);
    return true;
  }
  bool get_bytes(std::size_t n, std::string_view& bytes) {
    if (in_.size() - at_ < n) return false;
    bytes = in_.substr(at_, n);
    at_ += n;
    return true;
  }
  bool done() const { return at_ == in_.size(); }
  std::size_t left() const { return in_.size() - at_; }

 private:
  std::string_view in_;
  std::size_t at_ = 0;
};

Problem refused(const std::string& why) {
  return Problem("validation-failed", fmt::format("not a usable reciprocal model: {}", why));
}

}  // namespace

Json TrainingParams::to_json() const {
  return {{"factors", factors},
          {"epochs", epochs},
          {"learning_rate", learning_rate},
          {"regularization", regularization},
          {"prior_strength", prior_strength},
          {"seed", seed},
          {"use_questionnaire", use_questionnaire},
          {"use_tendencies", use_tendencies},
          {"use_factors", use_factors},
          {"use_calibration", use_calibration}};
}

Result<TrainingParams> TrainingParams::from_json(const Json& j) {
  try {
    return TrainingParams{.factors = j.at("factors").get<int>(),
                          .epochs = j.at("epochs").get<int>(),
                          .learning_rate = j.at("learning_rate").get<float>(),
                          .regularization = j.at("regularization").get<float>(),
                          .prior_strength = j.at("prior_strength").get<float>(),
                          .seed = j.at("seed").get<std::uint64_t>(),
                          .use_questionnaire = j.at("use_questionnaire").get<bool>(),
                          .use_tendencies = j.at("use_tendencies").get<bool>(),
                          .use_factors = j.at("use_factors").get<bool>(),
                          // format 1 had no cold-start score
                          .use_calibration = j.value("use_calibration", false)};
  } catch (const Json::exception& e) {
    return std::unexpected(refused(fmt::format("training parameters: {}", e.what())));
  }
}

Json TrainingInfo::to_json() const {
  return {{"format_version", ReciprocalModel::kFormatVersion},
          {"trained_at", trained_at},
          {"outcomes", outcomes},
          {"users", users},
          {"like_rate", like_rate},
          {"seconds", seconds},
          {"params", params.to_json()}};
}

std::string ReciprocalModel::to_bytes() const {
  Writer w;
  w.put_bytes(kMagic);
  w.put(kFormatVersion);
  Json head = info_.to_json();
  head["compat_mean"] = compat_mean_;
  head["cold_start"] = cold_start_ ? cold_start_->to_json() : Json(nullptr);
  const std::string text = head.dump();
  w.put(static_cast<std::uint32_t>(text.size()));
  w.put_bytes(text);
  for (double x : weights_) w.put(x);
  const int k = info_.params.factors;
  w.put(static_cast<std::uint32_t>(ids_.size()));
  w.put(static_cast<std::uint32_t>(k));
  for (std::size_t u = 0; u < ids_.size(); ++u) {
    w.put(static_cast<std::uint16_t>(ids_[u].size()));
    w.put_bytes(ids_[u]);
    const UserStats& s = stats_[u];
    for (float x : {s.likes_given, s.decisions_given, s.likes_received, s.decisions_received}) w.put(x);
    for (int f = 0; f < k; ++f) w.put(taste_[u * k + f]);
    for (int f = 0; f < k; ++f) w.put(attraction_[u * k + f]);
  }
  w.put(fnv1a(w.out()));
  return std::move(w.out());
}

Result<ReciprocalModel> ReciprocalModel::from_bytes(std::string_view bytes) {
  if (bytes.substr(0, kMagic.size()) != kMagic) return std::unexpected(refused("it does not start with PMRM"));
  Reader r(bytes.substr(kMagic.size()));
  std::uint32_t version = 0;
  if (!r.get(version)) return std::unexpected(refused("truncated"));
  if (version != kFormatVersion && version != 1)
    return std::unexpected(refused(
        fmt::format("format version {}, this build reads versions 1 to {} (train again)", version, kFormatVersion)));
  if (bytes.size() < kMagic.size() + 12) return std::unexpected(refused("truncated"));
  std::uint64_t stored_sum = 0;
  Reader tail(bytes.substr(bytes.size() - 8));
  tail.get(stored_sum);
  if (fnv1a(bytes.substr(0, bytes.size() - 8)) != stored_sum)
    return std::unexpected(refused("its checksum does not match (truncated or corrupted)"));
  r = Reader(bytes.substr(kMagic.size() + 4, bytes.size() - kMagic.size() - 4 - 8));

  ReciprocalModel m;
  std::uint32_t head_size = 0;
  std::string_view head_text;
  if (!r.get(head_size) || !r.get_bytes(head_size, head_text)) return std::unexpected(refused("truncated"));
  Json head = Json::parse(head_text, nullptr, false);
  if (head.is_discarded() || !head.is_object()) return std::unexpected(refused("its header is not JSON"));
  try {
    m.info_.params = PM_TRY(TrainingParams::from_json(head.at("params")));
    m.info_.trained_at = head.at("trained_at").get<std::int64_t>();
    m.info_.outcomes = head.at("outcomes").get<std::uint64_t>();
    m.info_.users = head.at("users").get<std::uint64_t>();
    m.info_.like_rate = head.at("like_rate").get<double>();
    m.info_.seconds = head.at("seconds").get<double>();
    m.compat_mean_ = head.at("compat_mean").get<double>();
    if (version >= 2 && !head.at("cold_start").is_null()) {
      auto cold = ColdStartModel::from_json(head.at("cold_start"));
      if (!cold) return std::unexpected(refused(cold.error().detail));
      m.cold_start_ = std::move(*cold);
    }
  } catch (const Json::exception& e) {
    return std::unexpected(refused(fmt::format("header: {}", e.what())));
  }
  // What ranking divides by and sizes by: a prior of no pseudo-decisions makes 0/0 for every user
  // the model never saw, and the counts below are checked against the bytes before anything is
  // allocated for them (a crafted row must be refused, not end the process).
  const auto& params = m.info_.params;
  if (!(params.prior_strength > 0) || !std::isfinite(params.prior_strength))
    return std::unexpected(refused("its prior strength is not a positive number"));
  if (params.factors < 0 || params.factors > kMaxFactors)
    return std::unexpected(refused("its factor count is out of range"));
  for (double& x : m.weights_)
    if (!r.get(x) || !std::isfinite(x)) return std::unexpected(refused("truncated, or a weight is not a number"));
  std::uint32_t users = 0, k = 0;
  if (!r.get(users) || !r.get(k) || static_cast<int>(k) != params.factors)
    return std::unexpected(refused("the factor count disagrees with the header"));
  // (each user: an id's length, four counts and two rows of factors, at least)
  const std::size_t per_user = sizeof(std::uint16_t) + 4 * sizeof(float) + 2 * std::size_t{k} * sizeof(float);
  if (users > r.left() / per_user) return std::unexpected(refused("more users than its bytes hold"));
  m.ids_.reserve(users);
  m.stats_.resize(users);
  m.taste_.resize(static_cast<std::size_t>(users) * k);
  m.attraction_.resize(m.taste_.size());
  for (std::uint32_t u = 0; u < users; ++u) {
    std::uint16_t length = 0;
    std::string_view id;
    if (!r.get(length) || !r.get_bytes(length, id)) return std::unexpected(refused("truncated"));
    UserStats& s = m.stats_[u];
    bool ok =
        r.get(s.likes_given) && r.get(s.decisions_given) && r.get(s.likes_received) && r.get(s.decisions_received);
    for (std::uint32_t f = 0; ok && f < k; ++f) ok = r.get(m.taste_[u * k + f]);
    for (std::uint32_t f = 0; ok && f < k; ++f) ok = r.get(m.attraction_[u * k + f]);
    if (!ok) return std::unexpected(refused("truncated"));
    m.ids_.emplace_back(id);
    if (!m.index_.emplace(m.ids_.back(), static_cast<int>(u)).second)
      return std::unexpected(refused("a user appears twice"));
  }
  if (!r.done()) return std::unexpected(refused("bytes left over after the last user"));
  return m;
}

}  // namespace pm::matching::learning
