#include "matching/insights.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/text.hpp"

namespace pm::matching {

namespace {

// One question both answered, as the insights see it.
struct Shared {
  int slot = 0;
  double weight = 0;    // how much the pair cares (both importances)
  bool same = false;    // a shared answer: the same option(s) picked, or sliders close together
  bool mutual = false;  // each accepts the other's answer
  int a_importance = 0, b_importance = 0;
  bool a_rejects = false, b_rejects = false;
  std::vector<int> common;  // options both picked (choice types), rarest first
  double share = 1;         // how many people give that shared answer (0-1): lower is more telling
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

std::string lower_first(std::string s) {
  if (s.size() > 1 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z') s[0] = static_cast<char>(s[0] + 32);
  return s;
}

// An attribute's name in a sentence: "shared values".
std::string area_name(int k) { return ascii_lower(kAttributeNames[static_cast<std::size_t>(k)]); }

// "Ana and Ben" when both have a name, else "You".
std::string the_two(const PairPerson& a, const PairPerson& b) {
  return a.first_name.empty() || b.first_name.empty() ? "You" : a.first_name + " and " + b.first_name;
}

// "Ana and Ben both never smoke", "Ana and Ben are both vegetarian": a bank's option phrase
// (docs/question-bank-format.md, `about`) said of the two.
std::string both(const PairPerson& a, const PairPerson& b, const std::string& phrase) {
  for (std::string_view verb : {"are ", "would ", "can ", "could "})
    if (phrase.starts_with(verb)) return fmt::format("{} {}both {}", the_two(a, b), verb, phrase.substr(verb.size()));
  return fmt::format("{} both {}", the_two(a, b), phrase);
}

// What the question is about, as the bank says ("smoking"); empty when it does not.
const std::string& topic(const ScoringBank& bank, int slot) { return bank.slots()[slot].question->about; }

// "a lifestyle question": a question the bank gives no topic, named by its attribute.
std::string a_question_on(const ScoringBank& bank, int slot) {
  const int k = bank.slots()[slot].attribute;
  return k >= 0 ? fmt::format("a {} question", area_name(k)) : "a question";
}

int steps_of(const questionnaire::Question& q) {
  return static_cast<int>(std::lround((q.slider.max - q.slider.min) / q.slider.step)) + 1;
}

// Sliders count as the same answer within a tenth of the scale (at least one step).
int slider_tolerance(const questionnaire::Question& q) { return std::max(1, steps_of(q) / 10); }

std::vector<Shared> shared_answers(const ScoringBank& bank, const MatchProfile& a, const MatchProfile& b,
                                   const AnswerFrequencies* frequencies) {
  std::vector<Shared> out;
  const auto& slots = bank.slots();
  for (std::size_t i = 0; i < slots.size() && i < a.answers.size() && i < b.answers.size(); ++i) {
    const auto &x = a.answers[i], &y = b.answers[i];
    if (!x.answered() || !y.answered()) continue;
    const int slot = static_cast<int>(i);
    const auto& q = *slots[i].question;
    Shared s{.slot = slot, .a_importance = x.importance, .b_importance = y.importance};
    s.weight = q.importance_weight * (kImportanceWeight[x.importance] + kImportanceWeight[y.importance]);
    s.a_rejects = !accepts(x, y, slots[i].slider);
    s.b_rejects = !accepts(y, x, slots[i].slider);
    s.mutual = !s.a_rejects && !s.b_rejects;
    if (slots[i].slider) {
      const int tolerance = slider_tolerance(q);
      const int lo = std::min(x.value, y.value), hi = std::max(x.value, y.value);
      s.same = hi - lo <= tolerance;
      if (s.same)
        s.share = frequencies ? frequencies->step_share(slot, lo - tolerance / 2, hi + tolerance / 2)
                              : static_cast<double>(hi - lo + 1) / steps_of(q);
    } else {
      for (std::size_t k = 0; k < q.options.size() && k < 16; ++k)
        if ((x.value & y.value) & (1u << k)) s.common.push_back(static_cast<int>(k));
      auto share_of = [&](int k) {
        return frequencies ? frequencies->option_share(slot, k) : 1.0 / static_cast<double>(q.options.size());
      };
      std::ranges::sort(s.common,
                        [&](int l, int r) { return share_of(l) != share_of(r) ? share_of(l) < share_of(r) : l < r; });
      s.same = !s.common.empty();
      if (s.same) s.share = share_of(s.common.front());
    }
    out.push_back(std::move(s));
  }
  return out;
}

// A sentence about one answer the two share, from the bank's phrases where it has them.
std::string agreement_sentence(const ScoringBank& bank, const PairPerson& a, const PairPerson& b, const Shared& s) {
  const auto& q = *bank.slots()[s.slot].question;
  const std::string& about = topic(bank, s.slot);
  if (!s.same)
    return about.empty() ? fmt::format("{} answer {} differently, and each is happy with the other's answer.",
                                       the_two(a, b), a_question_on(bank, s.slot))
                         : fmt::format("{} answer differently on {}, and each is happy with the other's answer.",
                                       the_two(a, b), about);
  if (bank.slots()[s.slot].slider)
    return about.empty() ? fmt::format("{} gave close answers to {}.", the_two(a, b), a_question_on(bank, s.slot))
                         : fmt::format("{} answered much the same way on {}.", the_two(a, b), about);
  std::vector<std::string> phrases, labels;
  for (int k : s.common) {
    const auto& option = q.options[static_cast<std::size_t>(k)];
    if (option.about.empty())
      labels.push_back(quote(option.label));
    else
      phrases.push_back(option.about);
  }
  if (!phrases.empty()) return both(a, b, join(phrases, 2)) + ".";
  return both(a, b, "picked " + join(labels, 2)) + (about.empty() ? "." : " on " + about + ".");
}

std::string difference_sentence(const ScoringBank& bank, const PairPerson& a, const PairPerson& b, const Shared& s) {
  const auto& slot = bank.slots()[s.slot];
  const std::string& about = topic(bank, s.slot);
  std::string out = about.empty()
                        ? fmt::format("{} answer {} differently", the_two(a, b), a_question_on(bank, s.slot))
                        : fmt::format("{} {} on {}", the_two(a, b), slot.slider ? "are far apart" : "differ", about);
  if (!slot.slider) {
    // Each one's own answer, by its option's label.
    auto said = [&](const PairPerson& p) {
      std::vector<std::string> parts;
      for (int k : bank.chosen(s.slot, p.profile->answers[s.slot]))
        if (k < static_cast<int>(slot.question->options.size()))
          parts.push_back(quote(slot.question->options[static_cast<std::size_t>(k)].label));
      return join(parts, 2);
    };
    out += fmt::format(" ({}: {}; {}: {})", name_or(a, "one of you"), said(a), name_or(b, "the other"), said(b));
  }
  int imp = std::max(s.a_rejects ? s.a_importance : 0, s.b_rejects ? s.b_importance : 0);
  const PairPerson& cares = (s.a_rejects && s.a_importance >= s.b_importance) || !s.b_rejects ? a : b;
  if (imp >= 7) return out + fmt::format(", and it matters a lot to {}.", name_or(cares, "one of you"));
  return out + ".";
}

bool by_weight(const Shared* x, const Shared* y) {
  return x->weight != y->weight ? x->weight > y->weight : x->slot < y->slot;
}

// Agreements worth telling first: a shared answer before mere mutual acceptance, and among shared
// answers the rarest (what sets this pair apart, not what nearly everyone says), then the heaviest.
bool by_distinction(const Shared* x, const Shared* y) {
  if (x->same != y->same) return x->same;
  if (x->share != y->share) return x->share < y->share;
  return by_weight(x, y);
}

}  // namespace

void Insights::write_key_factors(JsonWriter& out) const {
  out.begin_array();
  for (const auto& f : attributes)
    out.begin_object()
        .member("name", f.name)
        .member("score", f.score)
        .member("description", f.description)
        .end_object();
  out.end_array();
}

void Insights::write(JsonWriter& out) const {
  out.begin_object().member("summary", summary).key("keyFactors");
  write_key_factors(out);
  out.member("detailedAnalysis", detailed_analysis)
      .key("premiumInsights")
      .begin_object()
      .member("conversationStarters", conversation_starters)
      .member("potentialChallenges", potential_challenges)
      .end_object()
      .end_object();
}

Json Insights::to_json() const {
  JsonWriter out;
  write(out);
  return Json::parse(out.text());
}

Insights build_insights(const ScoringBank& bank, const PairPerson& a, const PairPerson& b, const PairScore& score,
                        const AnswerFrequencies* frequencies, InsightParts parts, const Insights* stored) {
  Insights out;
  const auto shared = shared_answers(bank, *a.profile, *b.profile, frequencies);
  std::vector<const Shared*> agreements, differences;
  for (const auto& s : shared) {
    if (s.mutual && (s.same || s.weight > 0)) agreements.push_back(&s);
    if (!s.mutual) differences.push_back(&s);
  }
  std::ranges::sort(agreements, by_distinction);
  std::ranges::sort(differences, by_weight);

  // Attributes: each explained by the most telling answer to one of its own questions.
  for (std::size_t k = 0; k < kAttributeNames.size(); ++k) {
    Attribute attr{.name = kAttributeNames[k], .score = score.attributes[k]};
    auto in_attr = [&](const Shared* s) { return bank.slots()[s->slot].attribute == static_cast<int>(k); };
    auto agree = std::ranges::find_if(agreements, in_attr);
    auto differ = std::ranges::find_if(differences, in_attr);
    if (agree != agreements.end()) {
      attr.description = agreement_sentence(bank, a, b, **agree);
      attr.question_key = bank.slots()[(*agree)->slot].question->key;
    } else if (differ != differences.end()) {
      attr.description = difference_sentence(bank, a, b, **differ);
      attr.question_key = bank.slots()[(*differ)->slot].question->key;
    } else {
      attr.description = fmt::format(
          "{} have not both answered questions on {} yet; this score comes from {} trait "
          "profiles.",
          the_two(a, b), area_name(static_cast<int>(k)), the_two(a, b) == "You" ? "your" : "their");
    }
    out.attributes.push_back(std::move(attr));
  }

  // Summary: the score and the two most telling things the pair shares (from different areas).
  // Rounded half up, as every client rounds a score to show it beside this line (fmt's {:.0f}
  // rounds half to even: "65% compatible" beside "64% compatible.").
  out.summary = fmt::format("{}% compatible.", std::lround(score.score));
  int first_area = -1;
  for (const auto* s : agreements) {
    if (!s->same) break;
    const int area = bank.slots()[s->slot].attribute;
    if (area == first_area) continue;
    out.summary += " " + agreement_sentence(bank, a, b, *s);
    if (first_area >= 0) break;
    first_area = area;
  }
  if (stored && !stored->summary.empty()) out.summary = stored->summary;
  if (stored && !stored->attributes.empty()) out.attributes = stored->attributes;
  if (parts == InsightParts::attributes_and_summary) return out;

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

  // Conversation starters: the rarest shared interests, then each one's open answers, then the
  // most telling agreement.
  const int interests = attribute_index("interests");
  for (const auto* s : agreements) {
    if (out.conversation_starters.size() == 2) break;
    // (a yes or no question's option is no interest to ask about: "you both picked yes")
    if (bank.slots()[s->slot].attribute != interests || s->common.empty() ||
        bank.slots()[s->slot].question->type == questionnaire::QuestionType::boolean)
      continue;
    const auto& option = bank.slots()[s->slot].question->options[static_cast<std::size_t>(s->common.front())];
    out.conversation_starters.push_back(
        fmt::format("You both picked {}: ask what got them into it.", lower_first(option.label)));
  }
  for (const auto* p : {&b, &a}) {
    const PairPerson& other = p == &b ? a : b;
    if (p->open_answers.empty()) continue;
    const auto& [about, answer] = p->open_answers.front();
    const std::string ask = other.first_name.empty() ? "Ask" : other.first_name + ", ask";
    out.conversation_starters.push_back(fmt::format("{} {} about {}: they wrote {}", ask, name_or(*p, "them"),
                                                    about.empty() ? "what they wrote" : about,
                                                    quote(shorten(answer, 90))));
  }
  if (out.conversation_starters.size() < 3 && !agreements.empty()) {
    const std::string& about = topic(bank, agreements.front()->slot);
    out.conversation_starters.push_back(
        about.empty() ? "Start with something you share: " + agreement_sentence(bank, a, b, *agreements.front())
                      : fmt::format("Talk about {}: what it means to each of you.", about));
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
