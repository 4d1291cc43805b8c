#include "matching/insights.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace pm::matching {

namespace {

// One question both answered, as the insights see it.
struct Shared {
  int slot = 0;
  double weight = 0;    // how much the pair cares (both importances)
  bool same = false;    // identical answers
  bool mutual = false;  // each accepts the other's answer
  int a_importance = 0, b_importance = 0;
  bool a_rejects = false, b_rejects = false;
  std::vector<std::string> common;  // options both picked (multiple select)
};

std::string quote(const std::string& s) { return "\u201c" + s + "\u201d"; }

std::string name_or(const PairPerson& p, const char* fallback) {
  return p.first_name.empty() ? fallback : p.first_name;
}

std::string join(const std::vector<std::string>& items, std::size_t max = 3) {
  std::string out;
  std::size_t n = std::min(items.size(), max);
  for (std::size_t i = 0; i < n; ++i) out += (i == 0 ? "" : i + 1 == n ? " and " : ", ") + items[i];
  return out;
}

std::string shorten(const std::string& text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t cut = text.rfind(' ', max);
  if (cut == std::string::npos || cut < max / 2) cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return text.substr(0, cut) + "\u2026";
}

std::vector<Shared> shared_answers(const ScoringBank& bank, const MatchProfile& a, const MatchProfile& b) {
  std::vector<Shared> out;
  const auto& slots = bank.slots();
  for (std::size_t i = 0; i < slots.size() && i < a.answers.size() && i < b.answers.size(); ++i) {
    const auto &x = a.answers[i], &y = b.answers[i];
    if (!x.answered() || !y.answered()) continue;
    Shared s{.slot = static_cast<int>(i), .a_importance = x.importance, .b_importance = y.importance};
    s.weight =
        slots[i].question->importance_weight * (kImportanceWeight[x.importance] + kImportanceWeight[y.importance]);
    s.same = x.value == y.value;
    s.a_rejects = !accepts(x, y, slots[i].slider);
    s.b_rejects = !accepts(y, x, slots[i].slider);
    s.mutual = !s.a_rejects && !s.b_rejects;
    if (!slots[i].slider && slots[i].question->type == questionnaire::QuestionType::multiple_select) {
      const auto& opts = slots[i].question->options;
      for (std::size_t k = 0; k < opts.size() && k < 16; ++k)
        if ((x.value & y.value) & (1u << k)) s.common.push_back(opts[k].label);
    }
    out.push_back(std::move(s));
  }
  return out;
}

// A sentence about one shared answer, grounded in what both said.
std::string agreement_sentence(const ScoringBank& bank, const MatchProfile& a, const MatchProfile& b, const Shared& s) {
  const auto& q = *bank.slots()[s.slot].question;
  if (!s.common.empty()) return fmt::format("You both picked {} for {}.", join(s.common), quote(q.text));
  if (s.same)
    return fmt::format("You both answered {} to {}.", quote(bank.describe(s.slot, a.answers[s.slot])), quote(q.text));
  return fmt::format("For {} one of you said {} and the other {}, and each of you accepts the other's answer.",
                     quote(q.text), quote(bank.describe(s.slot, a.answers[s.slot])),
                     quote(bank.describe(s.slot, b.answers[s.slot])));
}

std::string difference_sentence(const ScoringBank& bank, const PairPerson& a, const PairPerson& b, const Shared& s) {
  const auto& q = *bank.slots()[s.slot].question;
  std::string base = fmt::format("{}: {} answered {}, {} {}", quote(q.text), name_or(a, "one of you"),
                                 quote(bank.describe(s.slot, a.profile->answers[s.slot])), name_or(b, "the other"),
                                 quote(bank.describe(s.slot, b.profile->answers[s.slot])));
  int imp = std::max(s.a_rejects ? s.a_importance : 0, s.b_rejects ? s.b_importance : 0);
  const PairPerson& cares = (s.a_rejects && s.a_importance >= s.b_importance) || !s.b_rejects ? a : b;
  if (imp >= 7) return base + fmt::format(", and it matters a lot to {} ({}/10).", name_or(cares, "one of you"), imp);
  return base + ".";
}

bool by_weight(const Shared* x, const Shared* y) {
  return x->weight != y->weight ? x->weight > y->weight : x->slot < y->slot;
}

// Agreements worth telling first: the same answer or shared picks, then mere mutual acceptance.
bool by_strength(const Shared* x, const Shared* y) {
  const bool sx = x->same || !x->common.empty(), sy = y->same || !y->common.empty();
  return sx != sy ? sx : by_weight(x, y);
}

}  // namespace

Json Insights::to_json() const {
  Json factors = Json::array();
  for (const auto& f : attributes)
    factors.push_back({{"name", f.name}, {"score", f.score}, {"description", f.description}});
  return {{"summary", summary},
          {"keyFactors", factors},
          {"detailedAnalysis", detailed_analysis},
          {"premiumInsights",
           {{"conversationStarters", conversation_starters}, {"potentialChallenges", potential_challenges}}}};
}

Insights build_insights(const ScoringBank& bank, const PairPerson& a, const PairPerson& b, const PairScore& score) {
  Insights out;
  const auto shared = shared_answers(bank, *a.profile, *b.profile);
  std::vector<const Shared*> agreements, differences;
  for (const auto& s : shared) {
    if (s.mutual && (s.same || !s.common.empty() || s.weight > 0)) agreements.push_back(&s);
    if (!s.mutual) differences.push_back(&s);
  }
  std::ranges::sort(agreements, by_strength);
  std::ranges::sort(differences, by_weight);

  // Attributes: each grounded in the strongest shared answer of its questions.
  for (std::size_t k = 0; k < kAttributeNames.size(); ++k) {
    Attribute attr{.name = kAttributeNames[k], .score = score.attributes[k]};
    auto in_attr = [&](const Shared* s) { return bank.slots()[s->slot].attribute == static_cast<int>(k); };
    auto agree = std::ranges::find_if(agreements, in_attr);
    auto differ = std::ranges::find_if(differences, in_attr);
    if (agree != agreements.end())
      attr.description = agreement_sentence(bank, *a.profile, *b.profile, **agree);
    else if (differ != differences.end())
      attr.description = "You differ on " + difference_sentence(bank, a, b, **differ);
    else
      attr.description =
          "No questions in this area answered by both of you yet; the score comes from your trait profiles.";
    out.attributes.push_back(std::move(attr));
  }

  // Summary: the score, the strongest agreement and the interests in common.
  std::vector<std::string> interests;
  for (const auto& s : shared)
    if (bank.slots()[s.slot].attribute == attribute_index("interests"))
      for (const auto& c : s.common) interests.push_back(c);
  out.summary = fmt::format("{:.0f}% compatible.", score.score);
  if (!agreements.empty()) out.summary += " " + agreement_sentence(bank, *a.profile, *b.profile, *agreements.front());
  if (!interests.empty()) out.summary += fmt::format(" You share interests in {}.", join(interests));

  // Detailed analysis: every attribute, both directions of the answer match, and the trait profiles.
  std::string d = fmt::format(
      "You answered {} questions in common. {}'s answers suit {} {:.0f}%, and {}'s answers suit {} {:.0f}%.",
      score.shared, name_or(b, "One of you"), name_or(a, "the other"), score.a_satisfied, name_or(a, "the other's"),
      name_or(b, "the first"), score.b_satisfied);
  for (const auto& attr : out.attributes)
    d += fmt::format(" {} ({:.0f}/100): {}", attr.name, attr.score, attr.description);
  auto traits = [&](const PairPerson& p) {
    std::vector<std::string> all = p.key_traits;
    for (const auto& v : p.key_values) all.push_back("values " + v);
    return all;
  };
  if (!traits(a).empty() && !traits(b).empty())
    d += fmt::format(" From your answers, {} comes across as {}; {} as {}.", name_or(a, "one of you"),
                     join(traits(a), 4), name_or(b, "the other"), join(traits(b), 4));
  if (score.text >= 0) d += fmt::format(" Your own words (bio and open answers) overlap {:.0f}%.", 100 * score.text);
  out.detailed_analysis = d;

  // Conversation starters: shared interests, then each one's open answers, then the best agreement.
  for (const auto& c : interests) {
    if (out.conversation_starters.size() == 2) break;
    out.conversation_starters.push_back(fmt::format("You both picked {}: ask what got them into it.", c));
  }
  for (const auto* p : {&b, &a}) {
    const PairPerson& other = p == &b ? a : b;
    if (p->open_answers.empty()) continue;
    const auto& [question, answer] = p->open_answers.front();
    const std::string ask = other.first_name.empty() ? "Ask" : other.first_name + ", ask";
    out.conversation_starters.push_back(fmt::format("{} {} about their answer to {}: {}", ask, name_or(*p, "them"),
                                                    quote(question), quote(shorten(answer, 90))));
  }
  if (out.conversation_starters.size() < 3 && !agreements.empty()) {
    const auto& q = *bank.slots()[agreements.front()->slot].question;
    out.conversation_starters.push_back(fmt::format("Compare why {} matters to each of you.", quote(q.text)));
  }

  // Potential challenges: the disagreements that weigh most.
  for (const auto* s : differences) {
    if (out.potential_challenges.size() == 3) break;
    out.potential_challenges.push_back(difference_sentence(bank, a, b, *s));
  }
  if (out.potential_challenges.empty()) {
    auto low = std::ranges::min_element(out.attributes, {}, &Attribute::score);
    out.potential_challenges.push_back(fmt::format(
        "No answer either of you rules out; your lowest area is {} ({:.0f}/100), worth talking through early.",
        low->name, low->score));
  }
  return out;
}

}  // namespace pm::matching
