#pragma once
// The question bank as the matching engine reads it: every scorable question gets a dense slot
// number, and every answer is packed into 8 bytes (CompactAnswer) so that a pair of users is
// scored with one pass over two small arrays — the hot loop of candidate search and generation.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "questionnaire/bank.hpp"
#include "questionnaire/stored_answer.hpp"

namespace pm::matching {

// The six match attributes (match_attributes.attribute_name), in display order. A block's
// `attribute` in the bank file says which one its questions feed.
inline constexpr std::array<const char*, 6> kAttributeKeys = {
    "shared_values", "communication_style", "lifestyle", "personality", "interests", "relationship_goals"};
inline constexpr std::array<const char*, 6> kAttributeNames = {
    "Shared Values", "Communication Style", "Lifestyle", "Personality", "Interests", "Relationship Goals"};
int attribute_index(std::string_view key);  // -1 when unknown

// One answer, packed. Choice and boolean questions: `value` is the bit mask of the chosen options
// (at most 12 per question, so 16 bits suffice) and `accept_lo` the mask of options accepted from
// a partner. Sliders: `value` is the step index and [accept_lo, accept_hi] the accepted steps.
struct CompactAnswer {
  std::uint16_t value = 0;
  std::uint16_t accept_lo = 0;
  std::uint16_t accept_hi = 0;
  std::uint8_t importance = 0;  // 0-10, the seed's importance_score
  std::uint8_t flags = 0;

  static constexpr std::uint8_t kAnswered = 1, kAcceptAny = 2;
  bool answered() const { return flags & kAnswered; }
  bool accepts_any() const { return flags & kAcceptAny; }
};
static_assert(sizeof(CompactAnswer) == 8);

// An answer as the engine scores it: the questionnaire's stored answer (its value, what the user
// accepts, and how much it matters); the engine reads none of its other fields.
using AnswerValue = questionnaire::StoredAnswer;

struct Slot {
  const questionnaire::Question* question;
  int attribute = -1;  // index into kAttributeKeys: the question's own attribute, else its block's
  bool slider = false;
};

class ScoringBank {
 public:
  explicit ScoringBank(questionnaire::Bank bank);

  const questionnaire::Bank& bank() const { return bank_; }
  // Scorable questions (every type but open_ended), in asking order.
  const std::vector<Slot>& slots() const { return slots_; }
  std::optional<int> slot_of(const std::string& question_id) const;
  // Open-ended questions, whose text feeds the text embedding instead.
  const std::vector<const questionnaire::Question*>& open_questions() const { return open_; }

  // Packs a stored answer (value/acceptable as the questionnaire validated them); nullopt for
  // an unknown question or a value that does not fit it (a bank edited since the answer).
  std::optional<CompactAnswer> encode(int slot, const Json& value, const Json& acceptable, int importance) const;
  // Every answer packed by slot (unanswered slots stay empty); open answers are skipped.
  std::vector<CompactAnswer> encode_all(const std::vector<AnswerValue>& answers) const;
  // The open answers as (what the question is about, empty when the bank does not say; the answer
  // text), in asking order.
  std::vector<std::pair<std::string, std::string>> open_answers(const std::vector<AnswerValue>& answers) const;

  // A readable form of an encoded answer ("Hiking, Cooking", "7 of 10"), for insights.
  std::string describe(int slot, const CompactAnswer& answer) const;
  // The option indices of a choice answer.
  std::vector<int> chosen(int slot, const CompactAnswer& answer) const;

 private:
  questionnaire::Bank bank_;
  std::vector<Slot> slots_;
  std::vector<const questionnaire::Question*> open_;
  std::map<std::string, int> slot_by_id_;
};

}  // namespace pm::matching
