#pragma once
// The chat client of match insights: one OpenAI-compatible chat completion asked for a JSON object.
// Insights fall back to the built-in writer whenever this is disabled or fails, so every failure
// is a value, never an exception.

#include <chrono>
#include <string>

#include "core/config.hpp"
#include "core/json.hpp"
#include "core/problem.hpp"
#include "matching/http_json.hpp"

namespace pm::matching {

class ChatClient {
 public:
  // From the llm_* settings; `base_url` ends in /v1 (a trailing slash is tolerated).
  explicit ChatClient(const Config& config);
  ChatClient(std::string provider, std::string base_url, std::string model, std::string api_key,
             std::chrono::milliseconds timeout, int retries);

  // True when PM_LLM_PROVIDER=openai and PM_LLM_URL is set: otherwise callers use the built-in path.
  bool enabled() const { return enabled_; }
  const std::string& model() const { return model_; }

  // POSTs {base}/chat/completions with the two messages, response_format json_object and a low
  // temperature, and returns the JSON object in choices[0].message.content. Errors: 503
  // "insights-unavailable" (disabled, unreachable, timeout, 429, 5xx after the retries), 502
  // "insights-failed" (another status, or content that is not a JSON object). Thread-safe.
  Result<Json> complete_json(const std::string& system_prompt, const std::string& user_prompt) const;

 private:
  bool enabled_;
  ApiEndpoint endpoint_;
  std::string model_;
};

}  // namespace pm::matching
