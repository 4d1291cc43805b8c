#pragma once
// What the test clients receive, recorded for the API contract check (docs/api-contract.md).
// When PM_CONTRACT_LOG_DIR is set (./pm test sets it), every HTTP exchange of HttpConnection and
// every frame a WsClient receives is appended as one JSON line to <dir>/<pid>.jsonl; after ctest,
// tests/contract/check.mjs validates each against docs/openapi.yaml and docs/realtime.schema.json.
// Unset, nothing is recorded.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace pm::test::contract_log {

bool enabled();

// Appends `entry` plus "test" (the running GoogleTest's name) as one line, with one write(2) on
// a file opened with O_APPEND: lines of concurrent threads and processes never interleave.
void record(nlohmann::json entry);

// The record of one HTTP exchange. `body` is kept for JSON and text answers; for other types
// (images) only its size.
nlohmann::json http_exchange(std::string method, std::string target,
                             const std::vector<std::pair<std::string, std::string>>& request_headers, int status,
                             const std::vector<std::pair<std::string, std::string>>& response_headers,
                             const std::string& body, bool raw);

}  // namespace pm::test::contract_log
