#pragma once
// Text embeddings of bios and open answers: a built-in, offline model (HashingEmbedder, the default
// and the one tested end to end) or an OpenAI-compatible HTTP API (OpenAiEmbedder).
// docs/text-embedding.md describes the built-in method.

#include <atomic>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/problem.hpp"
#include "matching/http_json.hpp"

namespace pm::matching {

class EmbeddingProvider {
 public:
  virtual ~EmbeddingProvider();
  // Stored with each vector: vectors of different models must never be compared.
  virtual std::string model() const = 0;
  // The length of every vector embed() returns (0 while a remote model has not answered yet).
  virtual int dimensions() const = 0;
  // An L2-normalised vector of dimensions() floats, or all zeros when the text has nothing to embed
  // (empty or blank; for the built-in model also text that is only punctuation or stop words).
  virtual Result<std::vector<float>> embed(std::string_view text) = 0;
};

// The built-in model "pm-hashing-v1": deterministic, offline, 128 dimensions, the same vector for
// the same text on every platform and run. Thread-safe (it has no state).
class HashingEmbedder final : public EmbeddingProvider {
 public:
  static constexpr int kDimensions = 128;
  static constexpr std::string_view kModel = "pm-hashing-v1";

  std::string model() const override { return std::string(kModel); }
  int dimensions() const override { return kDimensions; }
  Result<std::vector<float>> embed(std::string_view text) override;
};

// POST {embedding_url}/embeddings. Errors: 503 "embedding-unavailable" (unreachable, timeout, 429,
// 5xx after the retries), 502 "embedding-failed" (another status, or an answer without a usable
// vector). Thread-safe.
class OpenAiEmbedder final : public EmbeddingProvider {
 public:
  // `base_url` ends in /v1 (a trailing slash is tolerated).
  OpenAiEmbedder(std::string base_url, std::string model, std::string api_key, std::chrono::milliseconds timeout,
                 int retries);
  explicit OpenAiEmbedder(const Config& config);  // the embedding_* settings

  std::string model() const override { return model_; }
  int dimensions() const override { return dimensions_.load(); }
  Result<std::vector<float>> embed(std::string_view text) override;

 private:
  ApiEndpoint endpoint_;
  std::string model_;
  std::atomic<int> dimensions_{0};  // learnt from the first answer; later answers must agree
};

// The provider PM_EMBEDDING_PROVIDER names: builtin (the default) or openai, which needs
// PM_EMBEDDING_URL (else a "config" problem).
Result<std::unique_ptr<EmbeddingProvider>> make_embedding_provider(const Config& config);

// Cosine similarity in [-1, 1]; 0 when either vector is all zeros or their lengths differ.
float cosine(std::span<const float> a, std::span<const float> b);

// Scales `v` to unit length in place; false (and `v` untouched) when it is all zeros.
bool l2_normalise(std::span<float> v);

}  // namespace pm::matching
