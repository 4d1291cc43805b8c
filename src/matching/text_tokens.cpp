// Words of a text for the built-in text model (see text_tokens.hpp and hashing_embedder.cpp).

#include "matching/text_tokens.hpp"

#include <algorithm>
#include <array>

namespace pm::matching::text {

namespace {

// Sorted, so membership is a binary search (the static_assert keeps it so). Negations such as
// "not", "no", "never" and "dont" are deliberately absent.
constexpr std::array<std::string_view, 84> kStopWords = {
    "a",    "about",   "after", "all",   "also", "am",   "an",    "and",   "any",  "are",  "as",    "at",
    "be",   "because", "been",  "but",   "by",   "can",  "could", "did",   "do",   "does", "for",   "from",
    "had",  "has",     "have",  "he",    "her",  "him",  "his",   "how",   "i",    "id",   "if",    "im",
    "in",   "into",    "is",    "it",    "its",  "ive",  "just",  "me",    "more", "most", "my",    "of",
    "on",   "or",      "our",   "out",   "she",  "so",   "some",  "than",  "that", "the",  "their", "them",
    "then", "there",   "they",  "this",  "to",   "too",  "up",    "us",    "very", "was",  "we",    "were",
    "what", "when",    "where", "which", "who",  "will", "with",  "would", "you",  "your", "youre", "yours"};
static_assert(std::ranges::is_sorted(kStopWords));

bool is_ascii_word(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The length of the separator (a Unicode space or punctuation mark) starting at `i`, 0 if none.
std::size_t unicode_separator(std::string_view s, std::size_t i) {
  auto at = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  unsigned a = at(0), b = at(1), c = at(2);
  if (a == 0xC2 && (b == 0xA0 || b == 0xA1 || b == 0xAB || b == 0xBB || b == 0xBF)) return 2;
  if (a == 0xE2 && (b == 0x80 || b == 0x81) && c >= 0x80 && c <= 0xBF) return 3;  // U+2000-U+207F
  if (a == 0xE3 && b == 0x80 && c >= 0x80 && c <= 0xBF) return 3;                 // U+3000-U+303F
  return 0;
}

// The length of an apostrophe (' or ’) at `i`, 0 if none.
std::size_t apostrophe(std::string_view s, std::size_t i) {
  if (s[i] == '\'') return 1;
  if (s.substr(i, 3) == "\xE2\x80\x99") return 3;
  return 0;
}

bool starts_word(std::string_view s, std::size_t i) {
  if (i >= s.size()) return false;
  auto c = static_cast<unsigned char>(s[i]);
  return is_ascii_word(c) || (c >= 0x80 && unicode_separator(s, i) == 0);
}

}  // namespace

bool is_stop_word(std::string_view word) { return std::ranges::binary_search(kStopWords, word); }

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && !is_stop_word(word)) out.push_back(std::move(word));
    word.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (is_ascii_word(c)) {
      word.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c));
      ++i;
      continue;
    }
    if (std::size_t n = apostrophe(text, i); n > 0 && !word.empty() && starts_word(text, i + n)) {
      i += n;  // inside a word: dropped, the word goes on
      continue;
    }
    std::size_t separator = c >= 0x80 ? unicode_separator(text, i) : 1;
    if (separator == 0) {
      word.push_back(static_cast<char>(c));  // part of a multibyte character (or a stray byte: kept as is)
      ++i;
      continue;
    }
    flush();
    i += separator;
  }
  flush();
  return out;
}

std::vector<std::string_view> characters(std::string_view word) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 1; i <= word.size(); ++i) {
    if (i == word.size() || (static_cast<unsigned char>(word[i]) & 0xC0) != 0x80) {
      out.push_back(word.substr(start, i - start));
      start = i;
    }
  }
  return out;
}

std::string stem(std::string_view word) {
  if (std::ranges::any_of(word, [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) return std::string(word);
  std::string w(word);
  auto strip = [&w](std::string_view suffix, std::string_view replacement = {}) {
    if (!w.ends_with(suffix) || w.size() - suffix.size() < 3) return false;
    w.resize(w.size() - suffix.size());
    w += replacement;
    return true;
  };
  if (strip("ies", "y")) return w;  // "hobbies" -> "hobby"
  if (strip("ing") || strip("ed")) {
    // "running" -> "runn" -> "run", but "falling" keeps its "ll" ("fall").
    std::size_t n = w.size();
    if (w[n - 1] == w[n - 2] && std::string_view("aeioulsz").find(w[n - 1]) == std::string_view::npos) w.pop_back();
    return w;
  }
  if (!w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is")) strip("s");
  strip("e");
  return w;
}

}  // namespace pm::matching::text
