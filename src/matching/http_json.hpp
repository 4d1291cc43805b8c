#pragma once
// POSTing a JSON request to an OpenAI-compatible API (OpenAI, llama.cpp server, Ollama, vLLM) and
// getting its JSON answer back, with timeouts, retries and the error mapping the embedder and the
// chat client share. Callers interpret the answer's shape; this file only speaks HTTP.

#include <chrono>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/problem.hpp"

namespace pm::matching {

struct ApiEndpoint {
  std::string url;      // the full URL, e.g. https://api.openai.com/v1/embeddings
  std::string api_key;  // sent as "Authorization: Bearer <key>" when not empty; never logged nor put in a Problem
  std::chrono::milliseconds connect_timeout{5000};  // TCP (and TLS) handshake of one attempt
  std::chrono::milliseconds timeout{10000};         // one whole attempt, connect included
  int retries = 0;                                  // further attempts after a network error, a 429 or a 5xx
  std::chrono::milliseconds backoff{100};           // wait before the first retry; doubled for each next one
};

// The Problem types of one API, so each caller reports in its own vocabulary.
struct ApiProblems {
  ProblemSlug unavailable;  // 503: unreachable, timed out, 429 or 5xx after the retries, e.g. "embedding-unavailable"
  ProblemSlug failed;       // 502: another status, or an answer that is not what was asked, e.g. "embedding-failed"
  std::string api_name;     // for details and logs, e.g. "the embeddings API"
};

// `base` (an API root ending in /v1, trailing slashes tolerated) joined with `path` ("/embeddings").
std::string api_url(std::string base, std::string_view path);

// The connect timeout used for a configured total timeout: a few seconds at most, so an address
// that drops packets is given up before a slow but working model would be.
std::chrono::milliseconds connect_timeout_for(std::chrono::milliseconds total);

// POSTs `request` and returns the parsed body of a 2xx answer. Details name the API and the HTTP
// status only: never the key, the request (which holds user text) or the answer body (which may
// echo either).
Result<Json> post_json(const ApiEndpoint& endpoint, const Json& request, const ApiProblems& problems);

}  // namespace pm::matching
