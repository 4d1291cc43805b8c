// docs/openapi.yaml is the one reference of the API: it must describe exactly the routes the
// server has, with the methods it accepts.

#include <map>
#include <set>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "support/test_server.hpp"

using namespace pm;

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

TEST(OpenApi, DescribesExactlyTheServersRoutes) {
  test::TestDatabase db;
  app::App app(test::test_config(db));
  std::set<std::string> served;
  std::map<std::string, std::string> multi_segment;  // documented path -> its {name*} parameter
  for (const auto& [method, pattern] : app.router.routes()) {
    auto name = http::beast_http::to_string(method);
    // A catch-all "{key*}" (one or more segments) is written "{key}" in OpenAPI, whose path
    // parameters are one segment each; the parameter says `x-multi-segment: true` instead.
    auto documented_pattern = pattern;
    if (auto star = documented_pattern.find("*}"); star != std::string::npos) {
      documented_pattern.erase(star, 1);
      auto open = documented_pattern.rfind('{');
      multi_segment[documented_pattern] = documented_pattern.substr(open + 1, star - open - 1);
    }
    served.insert(lower(name) + " " + documented_pattern);
  }

  auto doc = YAML::LoadFile(std::string(PM_SOURCE_DIR) + "/docs/openapi.yaml");
  for (const auto& [path, param] : multi_segment) {
    bool marked = false;
    for (const auto& op : doc["paths"][path])
      if (op.second.IsMap() && op.second["parameters"])
        for (const auto& p : op.second["parameters"])
          marked = marked || (p["name"] && p["name"].as<std::string>() == param && p["x-multi-segment"] &&
                              p["x-multi-segment"].as<bool>());
    EXPECT_TRUE(marked) << path << ": the parameter " << param
                        << " takes several segments and must say x-multi-segment: true";
  }
  ASSERT_TRUE(doc["openapi"].as<std::string>().starts_with("3."));
  std::set<std::string> documented;
  for (const auto& path : doc["paths"]) {
    for (const auto& op : path.second) {
      auto method = op.first.as<std::string>();
      if (method == "parameters" || method == "summary" || method == "description") continue;
      documented.insert(method + " " + path.first.as<std::string>());
      EXPECT_TRUE(op.second["responses"]) << method << " " << path.first.as<std::string>() << " has no responses";
    }
  }
  for (const auto& route : served) EXPECT_TRUE(documented.count(route)) << route << " is served but not documented";
  for (const auto& route : documented) EXPECT_TRUE(served.count(route)) << route << " is documented but not served";
  app.close();
}
