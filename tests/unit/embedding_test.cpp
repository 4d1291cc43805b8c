// The built-in text model "pm-hashing-v1": determinism, normalisation, its pinned output, that
// related texts land closer than unrelated ones, and hostile input. Also the provider factory,
// cosine() and the tokeniser underneath.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "matching/embedding.hpp"
#include "matching/text_tokens.hpp"

using namespace pm;
using namespace pm::matching;

namespace {

std::vector<float> embed(std::string_view text) {
  HashingEmbedder e;
  auto v = e.embed(text);
  EXPECT_TRUE(v.has_value());
  return v ? *v : std::vector<float>{};
}

double norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

bool all_zero(const std::vector<float>& v) {
  return std::ranges::all_of(v, [](float x) { return x == 0.0f; });
}

}  // namespace

TEST(HashingEmbedder, NamesItsModelAndSize) {
  HashingEmbedder e;
  EXPECT_EQ(e.model(), "pm-hashing-v1");
  EXPECT_EQ(e.dimensions(), 128);
  EXPECT_EQ(embed("anything at all").size(), 128u);
}

TEST(HashingEmbedder, IsDeterministicAcrossCallsAndInstances) {
  const std::string text = "Weekend hikes, strong coffee and terrible puns. Looking for someone kind.";
  HashingEmbedder a, b;
  auto first = a.embed(text), again = a.embed(text), other = b.embed(text);
  ASSERT_TRUE(first && again && other);
  EXPECT_EQ(*first, *again);  // bit-identical, not merely close
  EXPECT_EQ(*first, *other);
}

TEST(HashingEmbedder, ReturnsUnitVectors) {
  for (const char* text : {"z", "hello", "I love hiking in the mountains", "42", "x y z w", "Ünïcödé wörds"}) {
    auto v = embed(text);
    EXPECT_NEAR(norm(v), 1.0, 1e-5) << text;
  }
}

TEST(HashingEmbedder, NothingToEmbedGivesZeros) {
  for (const char* text : {"", "   \t\n ", "!!! ... ???", "the and of to", "I am, you are."}) {
    auto v = embed(text);
    ASSERT_EQ(v.size(), 128u) << text;
    EXPECT_TRUE(all_zero(v)) << "'" << text << "'";
  }
}

// Guards against an accidental change of the method: stored vectors of "pm-hashing-v1" would then
// silently stop comparing with new ones. If this fails after a deliberate change, rename the model.
TEST(HashingEmbedder, OutputIsPinned) {
  auto v = embed("Perfect Match pairs people who share values, humour and a love of long walks.");
  auto largest = std::ranges::max_element(v, [](float a, float b) { return std::abs(a) < std::abs(b); });
  EXPECT_EQ(largest - v.begin(), 40);
  EXPECT_NEAR(*largest, -0.438109487, 1e-6);
  EXPECT_EQ(std::ranges::max_element(v) - v.begin(), 108);
  EXPECT_NEAR(v[1], -0.153338328, 1e-6);
  EXPECT_NEAR(v[2], 0.076669164, 1e-6);
  EXPECT_EQ(v[0], 0.0f);
}

TEST(HashingEmbedder, RelatedTextsAreCloserThanUnrelatedOnes) {
  auto hiking = embed("I love hiking in the mountains");
  auto weekend = embed("hiking mountains every weekend");
  auto hike = embed("I enjoy a hike in the mountain");  // other forms of the same words
  auto stamps = embed("I collect vintage stamps");
  EXPECT_GT(cosine(hiking, weekend), cosine(hiking, stamps) + 0.2);
  EXPECT_GT(cosine(hiking, weekend), cosine(weekend, stamps) + 0.2);
  EXPECT_GT(cosine(hiking, hike), cosine(hiking, stamps) + 0.2);
  EXPECT_GT(cosine(embed("Cooking Italian food"), embed("I like cooking pasta")),
            cosine(embed("Cooking Italian food"), stamps));
}

TEST(HashingEmbedder, CaseAndPunctuationDoNotMatter) {
  EXPECT_NEAR(cosine(embed("Hiking, MOUNTAINS!"), embed("hiking mountains")), 1.0, 1e-6);
}

TEST(HashingEmbedder, SurvivesNonAsciiAndInvalidUtf8) {
  for (std::string text :
       {std::string("Ich liebe Wandern in den Bergen 🏔️ — café, naïve"), std::string("日本語のテキストです。"),
        std::string("\xff\xfe\xc3 broken \xe2\x80"), std::string("abc\xE2\x80"),
        std::string("\xE2\x80\x99\xE2\x80\x99'"), std::string("\0\0nul\0", 7)}) {
    auto v = embed(text);
    ASSERT_EQ(v.size(), 128u);
    EXPECT_TRUE(all_zero(v) || std::abs(norm(v) - 1.0) < 1e-5);
  }
  // Non-ASCII words are words: the same accented word is recognised again.
  EXPECT_GT(cosine(embed("naïve café"), embed("café naïve au lait")), 0.5);
}

TEST(HashingEmbedder, HandlesAMegabyteOfText) {
  std::string prose;
  while (prose.size() < (1u << 20)) prose += "Long walks on the beach, board games and spontaneous road trips. ";
  std::string blob(1u << 20, 'x');  // one enormous "word"
  auto start = std::chrono::steady_clock::now();
  auto a = embed(prose);
  auto b = embed(blob);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));  // generous: CI is slow
  EXPECT_NEAR(norm(a), 1.0, 1e-5);
  EXPECT_NEAR(norm(b), 1.0, 1e-5);
  // Sublinear tf: repeating a text many times keeps its direction.
  EXPECT_GT(cosine(a, embed("Long walks on the beach, board games and spontaneous road trips.")), 0.9);
}

TEST(Cosine, HandlesZeroAndMismatchedVectors) {
  std::vector<float> a{1, 0, 0}, b{0, 1, 0}, zero{0, 0, 0}, two{1, 0};
  EXPECT_FLOAT_EQ(cosine(a, a), 1.0f);
  EXPECT_FLOAT_EQ(cosine(a, b), 0.0f);
  EXPECT_FLOAT_EQ(cosine(a, zero), 0.0f);
  EXPECT_FLOAT_EQ(cosine(a, two), 0.0f);
  EXPECT_FLOAT_EQ(cosine(std::vector<float>{3, 4}, std::vector<float>{-6, -8}), -1.0f);
}

TEST(Cosine, NormaliseScalesToUnitLength) {
  std::vector<float> v{3, 4};
  EXPECT_TRUE(l2_normalise(v));
  EXPECT_FLOAT_EQ(v[0], 0.6f);
  EXPECT_FLOAT_EQ(v[1], 0.8f);
  std::vector<float> zero{0, 0};
  EXPECT_FALSE(l2_normalise(zero));
}

TEST(EmbeddingFactory, BuiltinByDefault) {
  Config config;
  auto provider = make_embedding_provider(config);
  ASSERT_TRUE(provider.has_value());
  EXPECT_EQ((*provider)->model(), "pm-hashing-v1");
}

TEST(EmbeddingFactory, OpenAiNeedsAUrl) {
  Config config;
  config.embedding_provider = "openai";
  auto missing = make_embedding_provider(config);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().type, "config");
  EXPECT_NE(missing.error().detail.find("PM_EMBEDDING_URL"), std::string::npos);

  config.embedding_url = "http://127.0.0.1:9/v1";
  auto provider = make_embedding_provider(config);
  ASSERT_TRUE(provider.has_value());
  EXPECT_EQ((*provider)->model(), config.embedding_model);
  EXPECT_EQ((*provider)->dimensions(), 0);  // learnt from the first answer
}

TEST(TextTokens, SplitsLowercasesAndDropsStopWords) {
  using V = std::vector<std::string>;
  EXPECT_EQ(text::words("Don't STOP me now!"), (V{"dont", "stop", "now"}));
  EXPECT_EQ(text::words("rock\xE2\x80\x94roll\xC2\xA0jazz"), (V{"rock", "roll", "jazz"}));  // em dash, no-break space
  EXPECT_EQ(text::words("l\xE2\x80\x99"
                        "amour 'quoted'"),
            (V{"lamour", "quoted"}));
  EXPECT_EQ(text::words("Café 24/7"), (V{"café", "24", "7"}));
  EXPECT_EQ(text::words("I am not into it"), (V{"not"}));  // negations stay
}

TEST(TextTokens, StemsRelatedForms) {
  for (const char* w : {"hike", "hikes", "hiked", "hiking"}) EXPECT_EQ(text::stem(w), "hik") << w;
  EXPECT_EQ(text::stem("running"), "run");
  EXPECT_EQ(text::stem("falling"), "fall");
  EXPECT_EQ(text::stem("hobbies"), "hobby");
  EXPECT_EQ(text::stem("class"), "class");
  EXPECT_EQ(text::stem("cat"), "cat");
  EXPECT_EQ(text::stem("naïves"), "naïves");  // non-ASCII words are left alone
}

TEST(TextTokens, SplitsUtf8Characters) {
  auto chars = text::characters("añ日😀");
  ASSERT_EQ(chars.size(), 4u);
  EXPECT_EQ(chars[1], "ñ");
  EXPECT_EQ(chars[3], "😀");
}
