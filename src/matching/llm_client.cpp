#include "matching/llm_client.hpp"

namespace pm::matching {

namespace {

const ApiProblems kChatProblems{
    .unavailable = "insights-unavailable", .failed = "insights-failed", .api_name = "the chat completions API"};

// Low: insights should read the same way for the same pair, not be creative.
constexpr double kTemperature = 0.2;

}  // namespace

ChatClient::ChatClient(const Config& c)
    : ChatClient(c.llm_provider, c.llm_url, c.llm_model, c.llm_api_key, c.llm_timeout, c.llm_retries) {}

ChatClient::ChatClient(std::string provider, std::string base_url, std::string model, std::string api_key,
                       std::chrono::milliseconds timeout, int retries)
    : enabled_(provider == "openai" && !base_url.empty()),
      endpoint_{.url = api_url(std::move(base_url), "/chat/completions"),
                .api_key = std::move(api_key),
                .connect_timeout = connect_timeout_for(timeout),
                .timeout = timeout,
                .retries = retries},
      model_(std::move(model)) {}

Result<Json> ChatClient::complete_json(const std::string& system_prompt, const std::string& user_prompt) const {
  if (!enabled_) return std::unexpected(Problem(kChatProblems.unavailable, "no chat completions API is configured"));
  Json request = {
      {"model", model_},
      {"messages",
       Json::array({{{"role", "system"}, {"content", system_prompt}}, {{"role", "user"}, {"content", user_prompt}}})},
      {"response_format", {{"type", "json_object"}}},
      {"temperature", kTemperature},
  };
  auto answer = PM_TRY(post_json(endpoint_, request, kChatProblems));

  // choices[0].message.content is a string holding the JSON the model wrote.
  const Json* content = nullptr;
  if (answer.is_object() && answer.contains("choices") && answer["choices"].is_array() && !answer["choices"].empty()) {
    const Json& choice = answer["choices"][0];
    if (choice.is_object() && choice.contains("message") && choice["message"].is_object() &&
        choice["message"].contains("content") && choice["message"]["content"].is_string())
      content = &choice["message"]["content"];
  }
  if (!content)
    return std::unexpected(
        Problem(kChatProblems.failed, "the chat completions API answered without choices[0].message.content"));

  auto object = Json::parse(content->get_ref<const std::string&>(), nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object())
    return std::unexpected(Problem(kChatProblems.failed, "the model's answer is not a JSON object"));
  return object;
}

}  // namespace pm::matching
