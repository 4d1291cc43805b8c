#pragma once
// The candidate search's scoring kernel: a pair's answer totals (what each earned of what each
// could earn, questions shared, a dealbreaker or not) from answers laid out for SIMD, so that a
// query scores tens of thousands of candidates in a few milliseconds. The six attributes and
// the insights are computed afterwards, by score_pair, for the winners only.
//
// Layout (AnswerLayout): a user's answers are one cache-line aligned row of three arrays over
// the bank's "narrow" slots, padded to a multiple of 16:
//   answer mask      u16: a choice's chosen options; a slider's step as one bit (one-hot)
//   acceptable mask  u16: the options / steps accepted from a partner (0xFFFF: anything)
//   importance       u8:  0-10
// so "A accepts B's answer" is (acceptable_a & answer_b) != 0, 16 questions to an AVX2
// instruction, and an unanswered question has answer mask 0. A slider with more than 16 steps
// does not fit one-hot in 16 bits; such ("wide") slots keep their CompactAnswer beside the row
// and are scored one by one (the product bank has a few).
// Weights are integers (the bank's importance_weight 1-10 times kImportanceWeight), so the sums
// are exact and the total is score_pair's to the last bit (tests/unit/pair_kernel_test.cpp).
// Each row is a user's own structure of arrays: after the hard filters (columns, see
// candidate_index.hpp) only a few percent of users are scored, scattered, and one contiguous
// row per user is what keeps that scattered access to a few cache lines.

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "matching/compatibility.hpp"
#include "matching/scoring_bank.hpp"

namespace pm::matching {

// Which instruction set scores; chosen at run time (best_isa), both give identical results.
enum class Isa { portable, avx2 };
Isa best_isa();  // avx2 when the CPU has it
const char* isa_name(Isa isa);

inline constexpr std::size_t kCacheLine = 64;

// std::allocator aligned to cache lines, for the index's columns.
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kCacheLine))); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(kCacheLine)); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }
};
template <class T>
using Column = std::vector<T, CacheLineAllocator<T>>;

// A pair's answer totals, as score_pair sums them (integers: see above).
struct AnswerTotals {
  std::int32_t earned_a = 0, possible_a = 0;  // A's satisfaction with B's answers
  std::int32_t earned_b = 0, possible_b = 0;  // B's satisfaction with A's answers
  std::int32_t shared = 0;                    // questions both answered
  bool dealbreaker = false;
};

class AnswerLayout {
 public:
  explicit AnswerLayout(const ScoringBank& bank);

  std::size_t padded() const { return narrow_.size(); }  // narrow positions (multiple of 16)
  std::size_t row_bytes() const { return row_bytes_; }   // one user's row, a multiple of 64
  std::size_t wide_count() const { return wide_.size(); }

  // A user's answers (by bank slot) into a row (row_bytes(), overwritten) and wide_count() wide answers.
  void encode(const std::vector<CompactAnswer>& answers, std::byte* row, CompactAnswer* wide) const;
  // Back to answers by bank slot: score_pair, the insights and the frequencies read them alike.
  std::vector<CompactAnswer> decode(const std::byte* row, const CompactAnswer* wide) const;

  // The row's arrays.
  const std::uint16_t* answer_masks(const std::byte* row) const { return reinterpret_cast<const std::uint16_t*>(row); }
  const std::uint16_t* accept_masks(const std::byte* row) const { return answer_masks(row) + padded(); }
  const std::uint8_t* importances(const std::byte* row) const {
    return reinterpret_cast<const std::uint8_t*>(accept_masks(row) + padded());
  }
  const std::uint16_t* base_weights() const { return base_.data(); }  // importance_weight per position
  int wide_base(std::size_t k) const { return wide_base_[k]; }
  // How many 16-question steps a 16-bit lane can sum before it could overflow (at least 1).
  std::size_t flush_every() const { return flush_every_; }

 private:
  static constexpr int kUnused = -1;
  std::vector<int> narrow_;  // position -> bank slot (kUnused: padding)
  std::vector<bool> one_hot_;
  Column<std::uint16_t> base_;
  std::vector<int> wide_;  // wide index -> bank slot
  std::vector<int> wide_base_;
  std::size_t slots_ = 0, row_bytes_ = 0, flush_every_ = 1;
};

// The searcher's side of every pair of a query, prepared once: their masks, their weight per
// position (0 when unanswered) and whether they hold it as a dealbreaker (0xFFFF).
struct QuerySide {
  Column<std::uint16_t> answer, accept, weight, strict;
  std::vector<CompactAnswer> wide;
  QuerySide(const AnswerLayout& layout, const std::vector<CompactAnswer>& answers);
};

// The totals of (searcher a, candidate b) by the given instruction set (avx2 only where best_isa() is).
AnswerTotals answer_totals(Isa isa, const AnswerLayout& layout, const QuerySide& a, const std::byte* row_b,
                           const CompactAnswer* wide_b);

// dot() (compatibility.hpp) by the given instruction set, in dot's order: the same float to the
// last bit (avx2 only where best_isa() is).
float dot(Isa isa, const float* a, const float* b, std::size_t size);

// The 0-100 total from the totals and the other parts, exactly as score_pair computes it;
// nullopt for a dealbreaker.
std::optional<double> total_score(const AnswerTotals& t, float traits_dot, std::optional<float> text_dot);

}  // namespace pm::matching
