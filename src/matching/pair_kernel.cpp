#include "matching/pair_kernel.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <immintrin.h>

namespace pm::matching {

namespace {

constexpr std::size_t kLanes = 16;  // u16 lanes of an AVX2 register
constexpr std::uint16_t kAnything = 0xFFFF;
constexpr int kOneHotSteps = 16;  // a slider with at most this many positions is one-hot

// A slider's number of positions (steps + 1).
int positions(const questionnaire::Question& q) {
  const auto& s = q.slider;
  return s.step > 0 ? static_cast<int>(std::lround((s.max - s.min) / s.step)) + 1 : 0;
}

std::uint16_t range_mask(int lo, int hi) {
  std::uint32_t mask = 0;
  for (int i = std::max(lo, 0); i <= std::min(hi, kOneHotSteps - 1); ++i) mask |= 1u << i;
  return static_cast<std::uint16_t>(mask);
}

int weight_of(int base, int importance) { return base * kImportanceWeight[static_cast<std::size_t>(importance)]; }

// accepts() for a slider, inlined here: the wide slots are scored for every candidate.
bool slider_accepts(const CompactAnswer& wanted, const CompactAnswer& answer) {
  return wanted.accepts_any() || (answer.value >= wanted.accept_lo && answer.value <= wanted.accept_hi);
}

// score_pair's rule for one slider question both answered, on CompactAnswers (the wide slots).
void add_compact(AnswerTotals& t, const CompactAnswer& x, const CompactAnswer& y, int base) {
  if (!x.answered() || !y.answered()) return;
  const bool a_likes = slider_accepts(x, y), b_likes = slider_accepts(y, x);
  const int wa = weight_of(base, x.importance), wb = weight_of(base, y.importance);
  t.dealbreaker |= (!a_likes && x.importance >= 10) || (!b_likes && y.importance >= 10);
  t.possible_a += wa;
  t.possible_b += wb;
  t.earned_a += a_likes ? wa : 0;
  t.earned_b += b_likes ? wb : 0;
  ++t.shared;
}

void add_wide(AnswerTotals& t, const AnswerLayout& layout, const QuerySide& a, const CompactAnswer* wide_b) {
  for (std::size_t k = 0; k < layout.wide_count(); ++k) add_compact(t, a.wide[k], wide_b[k], layout.wide_base(k));
}

AnswerTotals totals_portable(const AnswerLayout& layout, const QuerySide& a, const std::byte* row_b,
                             const CompactAnswer* wide_b) {
  const std::uint16_t* ans_b = layout.answer_masks(row_b);
  const std::uint16_t* acc_b = layout.accept_masks(row_b);
  const std::uint8_t* imp_b = layout.importances(row_b);
  const std::uint16_t* base = layout.base_weights();
  AnswerTotals t;
  for (std::size_t p = 0; p < layout.padded(); ++p) {
    if (!a.answer[p] || !ans_b[p]) continue;
    const bool a_likes = (a.accept[p] & ans_b[p]) != 0, b_likes = (acc_b[p] & a.answer[p]) != 0;
    const int wa = a.weight[p], wb = weight_of(base[p], imp_b[p]);
    t.dealbreaker |= (!a_likes && a.strict[p]) || (!b_likes && imp_b[p] >= 10);
    t.possible_a += wa;
    t.possible_b += wb;
    t.earned_a += a_likes ? wa : 0;
    t.earned_b += b_likes ? wb : 0;
    ++t.shared;
  }
  add_wide(t, layout, a, wide_b);
  return t;
}

// The lanes of four 32-bit accumulators summed at once: {sum(a), sum(b), sum(c), sum(d)}.
__attribute__((target("avx2"))) __m128i sum_lanes(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i abcd = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
  return _mm_add_epi32(_mm256_castsi256_si128(abcd), _mm256_extracti128_si256(abcd, 1));
}

// Adds a 16-bit accumulator's lanes pairwise into a 32-bit one and clears it.
__attribute__((target("avx2"))) inline void widen(__m256i& to, __m256i& from) {
  to = _mm256_add_epi32(to, _mm256_madd_epi16(from, _mm256_set1_epi16(1)));
  from = _mm256_setzero_si256();
}

// 16 questions per step: masks compared as above, weights summed in 16-bit lanes and widened
// into 32-bit ones (madd with ones) every flush_every() steps, before any lane could overflow.
__attribute__((target("avx2,popcnt"))) AnswerTotals totals_avx2(const AnswerLayout& layout, const QuerySide& a,
                                                                const std::byte* row_b, const CompactAnswer* wide_b) {
  const auto* ans_b = reinterpret_cast<const __m256i*>(layout.answer_masks(row_b));
  const auto* acc_b = reinterpret_cast<const __m256i*>(layout.accept_masks(row_b));
  const auto* imp_b = reinterpret_cast<const __m128i*>(layout.importances(row_b));
  const auto* base = reinterpret_cast<const __m256i*>(layout.base_weights());
  const auto* ans_a = reinterpret_cast<const __m256i*>(a.answer.data());
  const auto* acc_a = reinterpret_cast<const __m256i*>(a.accept.data());
  const auto* w_a = reinterpret_cast<const __m256i*>(a.weight.data());
  const auto* strict_a = reinterpret_cast<const __m256i*>(a.strict.data());
  const __m256i zero = _mm256_setzero_si256(), ten = _mm256_set1_epi16(10);
  const __m128i factor = _mm_setr_epi8(0, 1, 2, 4, 7, 10, 15, 25, 40, 70, static_cast<char>(250), 0, 0, 0, 0, 0);
  static_assert(kImportanceWeight[10] == 250 && kImportanceWeight[9] == 70 && kImportanceWeight[1] == 1);
  __m256i pa = zero, ea = zero, pb = zero, eb = zero, deal = zero;
  __m256i pa16 = zero, ea16 = zero, pb16 = zero, eb16 = zero;
  int shared = 0;
  auto flush = [&]() __attribute__((target("avx2"))) {
    widen(pa, pa16);
    widen(ea, ea16);
    widen(pb, pb16);
    widen(eb, eb16);
  };
  const std::size_t steps = layout.padded() / kLanes, every = layout.flush_every();
  for (std::size_t v = 0, pending = 0; v < steps; ++v) {
    const __m256i xa = _mm256_load_si256(ans_a + v), ya = _mm256_load_si256(ans_b + v);
    const __m256i both = _mm256_andnot_si256(
        _mm256_or_si256(_mm256_cmpeq_epi16(xa, zero), _mm256_cmpeq_epi16(ya, zero)), _mm256_cmpeq_epi16(zero, zero));
    const __m256i a_rejects = _mm256_cmpeq_epi16(_mm256_and_si256(_mm256_load_si256(acc_a + v), ya), zero);
    const __m256i b_rejects = _mm256_cmpeq_epi16(_mm256_and_si256(_mm256_load_si256(acc_b + v), xa), zero);
    const __m128i imp8 = _mm_load_si128(imp_b + v);
    const __m256i wb =
        _mm256_mullo_epi16(_mm256_cvtepu8_epi16(_mm_shuffle_epi8(factor, imp8)), _mm256_load_si256(base + v));
    const __m256i strict_b = _mm256_cmpeq_epi16(_mm256_cvtepu8_epi16(imp8), ten);
    deal = _mm256_or_si256(
        deal, _mm256_and_si256(both, _mm256_or_si256(_mm256_and_si256(a_rejects, _mm256_load_si256(strict_a + v)),
                                                     _mm256_and_si256(b_rejects, strict_b))));
    const __m256i wa_both = _mm256_and_si256(both, _mm256_load_si256(w_a + v));
    const __m256i wb_both = _mm256_and_si256(both, wb);
    pa16 = _mm256_add_epi16(pa16, wa_both);
    ea16 = _mm256_add_epi16(ea16, _mm256_andnot_si256(a_rejects, wa_both));
    pb16 = _mm256_add_epi16(pb16, wb_both);
    eb16 = _mm256_add_epi16(eb16, _mm256_andnot_si256(b_rejects, wb_both));
    shared += std::popcount(static_cast<unsigned>(_mm256_movemask_epi8(both)));  // 2 bits per question
    if (++pending == every) {
      flush();
      pending = 0;
    }
  }
  flush();
  const __m128i sums = sum_lanes(pa, ea, pb, eb);
  AnswerTotals t;
  t.possible_a = _mm_cvtsi128_si32(sums);
  t.earned_a = _mm_extract_epi32(sums, 1);
  t.possible_b = _mm_extract_epi32(sums, 2);
  t.earned_b = _mm_extract_epi32(sums, 3);
  t.shared = shared / 2;
  t.dealbreaker = !_mm256_testz_si256(deal, deal);
  add_wide(t, layout, a, wide_b);
  return t;
}

// dot() in its order (compatibility.cpp): lane j of one register sums the products of the
// elements i with i % 8 == j (the tail loaded under a mask, zeros elsewhere, which add nothing),
// then the register's halves, pairs and last two lanes are added as dot's tree. Multiply, then
// add: no fused multiply-add (this target has none; -ffp-contract=off besides).
__attribute__((target("avx2"))) float dot_avx2(const float* a, const float* b, std::size_t size) {
  static_assert(kDotLanes == 8);
  alignas(32) static constexpr std::int32_t kTail[16] = {-1, -1, -1, -1, -1, -1, -1, -1};
  __m256 s = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) s = _mm256_add_ps(s, _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
  if (i < size) {
    const __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTail + 8 - (size - i)));
    s = _mm256_add_ps(s, _mm256_mul_ps(_mm256_maskload_ps(a + i, mask), _mm256_maskload_ps(b + i, mask)));
  }
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));  // s0+s4 .. s3+s7
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));                                         // h0+h2, h1+h3
  return _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
}

}  // namespace

Isa best_isa() {
  static const Isa isa = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") ? Isa::avx2 : Isa::portable;
  return isa;
}

const char* isa_name(Isa isa) { return isa == Isa::avx2 ? "avx2" : "portable"; }

AnswerLayout::AnswerLayout(const ScoringBank& bank) : slots_(bank.slots().size()) {
  for (std::size_t s = 0; s < bank.slots().size(); ++s) {
    const Slot& slot = bank.slots()[s];
    if (slot.slider && positions(*slot.question) > kOneHotSteps) {
      wide_.push_back(static_cast<int>(s));
      wide_base_.push_back(slot.question->importance_weight);
      continue;
    }
    narrow_.push_back(static_cast<int>(s));
    one_hot_.push_back(slot.slider);
    base_.push_back(static_cast<std::uint16_t>(slot.question->importance_weight));
  }
  // Weights in 16-bit lanes: the bank's importance_weight is 1-10 (questionnaire/bank.cpp), 250 at most per unit.
  int heaviest = kImportanceWeight.back();
  for (int b : base_) heaviest = std::max(heaviest, b * kImportanceWeight.back());
  if (heaviest > 32767) throw std::invalid_argument("importance_weight too large for the kernel");
  flush_every_ = static_cast<std::size_t>(32767 / heaviest);
  while (narrow_.size() % kLanes) {
    narrow_.push_back(kUnused);
    one_hot_.push_back(false);
    base_.push_back(0);
  }
  const std::size_t bytes = narrow_.size() * (2 * sizeof(std::uint16_t) + sizeof(std::uint8_t));
  row_bytes_ = (bytes + kCacheLine - 1) / kCacheLine * kCacheLine;
}

void AnswerLayout::encode(const std::vector<CompactAnswer>& answers, std::byte* row, CompactAnswer* wide) const {
  std::memset(row, 0, row_bytes_);
  auto* ans = reinterpret_cast<std::uint16_t*>(row);
  auto* acc = ans + padded();
  auto* imp = reinterpret_cast<std::uint8_t*>(acc + padded());
  for (std::size_t p = 0; p < narrow_.size(); ++p) {
    if (narrow_[p] == kUnused || static_cast<std::size_t>(narrow_[p]) >= answers.size()) continue;
    const CompactAnswer& x = answers[static_cast<std::size_t>(narrow_[p])];
    if (!x.answered()) continue;
    imp[p] = x.importance;
    if (one_hot_[p]) {
      ans[p] = x.value < kOneHotSteps ? static_cast<std::uint16_t>(1u << x.value) : 0;
      acc[p] = x.accepts_any() ? kAnything : range_mask(x.accept_lo, x.accept_hi);
    } else {
      ans[p] = x.value;
      acc[p] = x.accepts_any() ? kAnything : x.accept_lo;
    }
  }
  for (std::size_t k = 0; k < wide_.size(); ++k)
    wide[k] = static_cast<std::size_t>(wide_[k]) < answers.size() ? answers[static_cast<std::size_t>(wide_[k])]
                                                                  : CompactAnswer{};
}

std::vector<CompactAnswer> AnswerLayout::decode(const std::byte* row, const CompactAnswer* wide) const {
  std::vector<CompactAnswer> out(slots_);
  const std::uint16_t* ans = answer_masks(row);
  const std::uint16_t* acc = accept_masks(row);
  const std::uint8_t* imp = importances(row);
  for (std::size_t p = 0; p < narrow_.size(); ++p) {
    if (narrow_[p] == kUnused || !ans[p]) continue;
    CompactAnswer& x = out[static_cast<std::size_t>(narrow_[p])];
    x.flags = CompactAnswer::kAnswered;
    x.importance = imp[p];
    if (acc[p] == kAnything) x.flags |= CompactAnswer::kAcceptAny;
    if (one_hot_[p]) {
      x.value = static_cast<std::uint16_t>(std::countr_zero(ans[p]));
      if (acc[p] == kAnything) continue;
      if (acc[p] == 0) {  // an empty range: accepts no step
        x.accept_lo = 1;
        x.accept_hi = 0;
      } else {
        x.accept_lo = static_cast<std::uint16_t>(std::countr_zero(acc[p]));
        x.accept_hi = static_cast<std::uint16_t>(15 - std::countl_zero(acc[p]));
      }
    } else {
      x.value = ans[p];
      x.accept_lo = acc[p] == kAnything ? 0 : acc[p];
    }
  }
  for (std::size_t k = 0; k < wide_.size(); ++k) out[static_cast<std::size_t>(wide_[k])] = wide[k];
  return out;
}

QuerySide::QuerySide(const AnswerLayout& layout, const std::vector<CompactAnswer>& answers) {
  Column<std::byte> row(layout.row_bytes());
  wide.resize(layout.wide_count());
  layout.encode(answers, row.data(), wide.data());
  const std::uint16_t* ans = layout.answer_masks(row.data());
  const std::uint16_t* acc = layout.accept_masks(row.data());
  const std::uint8_t* imp = layout.importances(row.data());
  const std::size_t n = layout.padded();
  answer.assign(ans, ans + n);
  accept.assign(acc, acc + n);
  weight.resize(n);
  strict.resize(n);
  for (std::size_t p = 0; p < n; ++p) {
    weight[p] = ans[p] ? static_cast<std::uint16_t>(weight_of(layout.base_weights()[p], imp[p])) : 0;
    strict[p] = ans[p] && imp[p] >= 10 ? 0xFFFF : 0;
  }
}

AnswerTotals answer_totals(Isa isa, const AnswerLayout& layout, const QuerySide& a, const std::byte* row_b,
                           const CompactAnswer* wide_b) {
  return isa == Isa::avx2 ? totals_avx2(layout, a, row_b, wide_b) : totals_portable(layout, a, row_b, wide_b);
}

float dot(Isa isa, const float* a, const float* b, std::size_t size) {
  return isa == Isa::avx2 ? dot_avx2(a, b, size) : dot(a, b, size);
}

std::optional<double> total_score(const AnswerTotals& t, float traits_dot, std::optional<float> text_dot) {
  if (t.dealbreaker) return std::nullopt;
  const double answers = agreement(t.earned_a, t.possible_a, t.earned_b, t.possible_b, t.shared, true);
  return blended_score(answers, trait_part(traits_dot), text_dot);
}

}  // namespace pm::matching
