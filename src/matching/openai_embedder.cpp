// Embeddings from an OpenAI-compatible API: POST {base}/embeddings {"model", "input"} and read
// data[0].embedding. The HTTP side (timeouts, retries, error mapping) is http_json.cpp's.

#include <cmath>

#include <fmt/format.h>

#include "matching/embedding.hpp"

namespace pm::matching {

namespace {

const ApiProblems kEmbeddingProblems{
    .unavailable = "embedding-unavailable", .failed = "embedding-failed", .api_name = "the embeddings API"};

bool blank(std::string_view text) { return text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos; }

}  // namespace

OpenAiEmbedder::OpenAiEmbedder(std::string base_url, std::string model, std::string api_key,
                               std::chrono::milliseconds timeout, int retries)
    : endpoint_{.url = api_url(std::move(base_url), "/embeddings"),
                .api_key = std::move(api_key),
                .connect_timeout = connect_timeout_for(timeout),
                .timeout = timeout,
                .retries = retries},
      model_(std::move(model)) {}

OpenAiEmbedder::OpenAiEmbedder(const Config& c)
    : OpenAiEmbedder(c.embedding_url, c.embedding_model, c.embedding_api_key, c.embedding_timeout,
                     c.embedding_retries) {}

Result<std::vector<float>> OpenAiEmbedder::embed(std::string_view text) {
  // The APIs refuse empty input; blank text has no meaning to embed anyway.
  if (blank(text)) return std::vector<float>(static_cast<std::size_t>(dimensions_.load()), 0.0f);

  auto answer = PM_TRY(post_json(endpoint_, Json{{"model", model_}, {"input", text}}, kEmbeddingProblems));

  const Json* values = nullptr;
  if (answer.is_object() && answer.contains("data") && answer["data"].is_array() && !answer["data"].empty()) {
    const Json& first = answer["data"][0];
    if (first.is_object() && first.contains("embedding") && first["embedding"].is_array()) values = &first["embedding"];
  }
  if (!values || values->empty())
    return std::unexpected(Problem(kEmbeddingProblems.failed, "the embeddings API answered without data[0].embedding"));

  std::vector<float> out;
  out.reserve(values->size());
  for (const Json& v : *values) {
    if (!v.is_number())
      return std::unexpected(Problem(kEmbeddingProblems.failed, "the embeddings API answered a non-numeric value"));
    auto x = v.get<double>();
    auto f = static_cast<float>(x);
    if (!std::isfinite(f))
      return std::unexpected(
          Problem(kEmbeddingProblems.failed, "the embeddings API answered a value that is not a finite number"));
    out.push_back(f);
  }

  // The first answer fixes the dimensions; a different length later means the model behind the URL
  // changed, and vectors of two models must not be mixed.
  int expected = 0;
  int got = static_cast<int>(out.size());
  if (!dimensions_.compare_exchange_strong(expected, got) && expected != got)
    return std::unexpected(
        Problem(kEmbeddingProblems.failed,
                fmt::format("the embeddings API answered {} dimensions where it answered {} before", got, expected)));
  // An all-zero vector is kept as it is (cosine() treats it as "no similarity").
  l2_normalise(out);
  return out;
}

}  // namespace pm::matching
