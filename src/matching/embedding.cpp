// What every embedding provider shares: choosing one from the configuration, and vector arithmetic.
// The providers themselves live in hashing_embedder.cpp and openai_embedder.cpp.

#include "matching/embedding.hpp"

#include <algorithm>
#include <cmath>

namespace pm::matching {

EmbeddingProvider::~EmbeddingProvider() = default;

Result<std::unique_ptr<EmbeddingProvider>> make_embedding_provider(const Config& config) {
  if (config.embedding_provider == "openai") {
    if (config.embedding_url.empty())
      return std::unexpected(Problem("config",
                                     "PM_EMBEDDING_PROVIDER=openai needs PM_EMBEDDING_URL "
                                     "(an OpenAI-compatible base URL ending in /v1)"));
    return std::make_unique<OpenAiEmbedder>(config);
  }
  if (config.embedding_provider.empty() || config.embedding_provider == "builtin")
    return std::make_unique<HashingEmbedder>();
  // Config::load() already refuses other values; a Config built in code could still hold one.
  return std::unexpected(Problem("config", "PM_EMBEDDING_PROVIDER must be builtin or openai"));
}

float cosine(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) return 0.0f;
  double dot = 0, na = 0, nb = 0;  // double: 3072-dimension sums in float lose digits
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  if (na == 0 || nb == 0) return 0.0f;
  // Rounding can take the ratio of two unit vectors a hair past 1.
  return static_cast<float>(std::clamp(dot / std::sqrt(na * nb), -1.0, 1.0));
}

bool l2_normalise(std::span<float> v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  if (sum == 0) return false;
  double norm = std::sqrt(sum);
  for (float& x : v) x = static_cast<float>(x / norm);
  return true;
}

}  // namespace pm::matching
