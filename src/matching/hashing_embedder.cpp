// The built-in text model "pm-hashing-v1" (docs/text-embedding.md says the same for readers).
//
//  1. Lowercase ASCII letters only: bytes of multibyte UTF-8 sequences are never altered, so no
//     character is ever corrupted and no locale is involved.
//  2. Split into words: runs of ASCII letters, digits and UTF-8 multibyte characters. Common Unicode
//     spaces and punctuation (U+00A0, ¡ « » ¿, U+2000-U+207F, U+3000-U+303F) separate words like
//     ASCII punctuation does; an apostrophe (' or ’) inside a word is dropped ("don't" -> "dont").
//  3. Drop a small English stop-word list (negations stay: "not" changes what a sentence means).
//  4. Stem each kept word with a light suffix stripper (-ies -ing -ed -s -e; see text_tokens.cpp).
//  5. Features: each stem (weight 1.0), each pair of neighbouring stems (0.7), and the character
//     trigrams of each word as written, between boundary marks: "<hiking>" -> "<hi", "hik", ...
//     "ng>" (0.35 each: a word has several; they relate forms the stemmer misses, and typos).
//  6. Each feature is hashed with 64-bit FNV-1a (kind tag first, so a word and a trigram never
//     share a hash) followed by the MurmurHash3 finaliser to spread FNV's weak low bits. The low
//     bits pick one of 128 buckets, the top bit a sign +1/-1 (signed feature hashing: collisions
//     cancel on average instead of piling up).
//  7. Weight = kind weight x (1 + ln tf), tf the feature's count in the text (sublinear: a word
//     repeated ten times is not ten times as telling).
//  8. L2-normalise; no features at all gives the zero vector.
//
// Stability: the hash is fixed by this file (never std::hash), features are summed in the order
// of their hashes (never a hash table's order), in double precision. Changing anything above (or
// in text_tokens.cpp) is a new model: give it a new name, because stored vectors of the old one no
// longer compare. tests/unit/embedding_test.cpp pins a vector to catch an accidental change.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "matching/embedding.hpp"
#include "matching/text_tokens.hpp"

namespace pm::matching {

namespace {

struct Fnv1a {
  std::uint64_t h = 14695981039346656037ull;
  void add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 1099511628211ull;
    }
  }
  // MurmurHash3's fmix64: every input bit affects every output bit.
  std::uint64_t finish() const {
    std::uint64_t k = h;
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
  }
};

std::uint64_t feature_hash(std::string_view kind, std::string_view a, std::string_view b = {}) {
  Fnv1a f;
  f.add(kind);
  f.add(a);
  if (!b.empty()) {
    f.add(" ");
    f.add(b);
  }
  return f.finish();
}

constexpr double kWordWeight = 1.0;
constexpr double kBigramWeight = 0.7;
constexpr double kTrigramWeight = 0.35;

// Adds each distinct hash of `hashes` with weight `kind_weight` x (1 + ln tf) to `sums`.
void accumulate(std::vector<std::uint64_t>& hashes, double kind_weight,
                std::array<double, HashingEmbedder::kDimensions>& sums) {
  std::ranges::sort(hashes);  // a fixed summation order, hence bit-identical results
  for (std::size_t i = 0; i < hashes.size();) {
    std::size_t j = i;
    while (j < hashes.size() && hashes[j] == hashes[i]) ++j;
    double weight = kind_weight * (1.0 + std::log(static_cast<double>(j - i)));
    std::uint64_t h = hashes[i];
    sums[h % HashingEmbedder::kDimensions] += (h >> 63) ? -weight : weight;
    i = j;
  }
}

}  // namespace

Result<std::vector<float>> HashingEmbedder::embed(std::string_view text) {
  auto words = text::words(text);
  std::vector<std::uint64_t> unigrams, bigrams, trigrams;
  unigrams.reserve(words.size());
  std::vector<std::string> stems;
  stems.reserve(words.size());
  for (const auto& w : words) stems.push_back(text::stem(w));
  for (std::size_t i = 0; i < words.size(); ++i) {
    unigrams.push_back(feature_hash("w:", stems[i]));
    if (i > 0) bigrams.push_back(feature_hash("b:", stems[i - 1], stems[i]));
    auto chars = text::characters(words[i]);
    chars.insert(chars.begin(), "<");
    chars.push_back(">");
    for (std::size_t k = 0; k + 2 < chars.size(); ++k) {
      Fnv1a f;
      f.add("c:");
      for (std::size_t m = k; m < k + 3; ++m) f.add(chars[m]);
      trigrams.push_back(f.finish());
    }
  }
  std::array<double, kDimensions> sums{};
  accumulate(unigrams, kWordWeight, sums);
  accumulate(bigrams, kBigramWeight, sums);
  accumulate(trigrams, kTrigramWeight, sums);

  double norm = 0;
  for (double s : sums) norm += s * s;
  std::vector<float> out(kDimensions, 0.0f);
  if (norm == 0) return out;  // nothing to embed (or, vanishingly rarely, features that cancel out)
  norm = std::sqrt(norm);
  for (int i = 0; i < kDimensions; ++i) out[i] = static_cast<float>(sums[i] / norm);
  return out;
}

}  // namespace pm::matching
