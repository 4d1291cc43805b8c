#include "matching/answer_frequencies.hpp"

#include <algorithm>
#include <cmath>

namespace pm::matching {

AnswerFrequencies::AnswerFrequencies(const ScoringBank& bank) {
  const auto& slots = bank.slots();
  answered_.assign(slots.size(), 0);
  counts_.resize(slots.size());
  slider_.resize(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const auto& q = *slots[i].question;
    slider_[i] = slots[i].slider;
    const long size = slots[i].slider ? std::lround((q.slider.max - q.slider.min) / q.slider.step) + 1
                                      : static_cast<long>(std::min<std::size_t>(q.options.size(), 16));
    counts_[i].assign(static_cast<std::size_t>(std::max(1L, size)), 0);
  }
}

void AnswerFrequencies::count(const std::vector<CompactAnswer>& answers, int sign) {
  for (std::size_t i = 0; i < answers.size() && i < counts_.size(); ++i) {
    const auto& a = answers[i];
    if (!a.answered()) continue;
    answered_[i] += sign;
    auto& c = counts_[i];
    if (slider_[i]) {  // the value is the step
      if (a.value < c.size()) c[a.value] += sign;
      continue;
    }
    for (std::size_t k = 0; k < c.size(); ++k)  // the value is the mask of the options chosen
      if (a.value & (1u << k)) c[k] += sign;
  }
}

long long AnswerFrequencies::answered(int slot) const {
  return slot >= 0 && static_cast<std::size_t>(slot) < answered_.size() ? answered_[static_cast<std::size_t>(slot)] : 0;
}

double AnswerFrequencies::option_share(int slot, int option) const {
  if (slot < 0 || static_cast<std::size_t>(slot) >= counts_.size()) return 1;
  const auto& c = counts_[static_cast<std::size_t>(slot)];
  if (option < 0 || static_cast<std::size_t>(option) >= c.size()) return 1;
  const long long n = answered(slot);
  if (n <= 0) return 1.0 / static_cast<double>(c.size());
  return static_cast<double>(c[static_cast<std::size_t>(option)]) / static_cast<double>(n);
}

double AnswerFrequencies::step_share(int slot, int lo, int hi) const {
  if (slot < 0 || static_cast<std::size_t>(slot) >= counts_.size()) return 1;
  const auto& c = counts_[static_cast<std::size_t>(slot)];
  lo = std::max(lo, 0);
  hi = std::min(hi, static_cast<int>(c.size()) - 1);
  if (hi < lo) return 0;
  const long long n = answered(slot);
  if (n <= 0) return static_cast<double>(hi - lo + 1) / static_cast<double>(c.size());
  long long in = 0;
  for (int k = lo; k <= hi; ++k) in += c[static_cast<std::size_t>(k)];
  return static_cast<double>(in) / static_cast<double>(n);
}

}  // namespace pm::matching
