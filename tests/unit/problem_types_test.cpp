// The catalogue of problem types (src/core/problem_types.hpp) is what the API description says:
// docs/openapi.yaml lists each type once with the same status and title (x-problem-types), and
// where a response names a type, the type's status is that response's. That the code raises no
// type outside the catalogue needs no test: Problem is built only from a ProblemSlug, which is
// looked up while compiling, so an unknown slug does not build.

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "core/problem.hpp"

using namespace pm;

namespace {

// (Built in place: GCC 12 warns falsely of array bounds on `std::string(short literal) + "..."` when
// inlined in some unity batches.)
YAML::Node openapi() {
  std::string path = PM_SOURCE_DIR;
  path.append("/docs/openapi.yaml");
  return YAML::LoadFile(path);
}

const ProblemType* find_type(std::string_view slug) {
  for (const auto& type : kProblemTypes)
    if (type.slug == slug) return &type;
  return nullptr;
}

// The words a description quotes `like-this`: the way it names problem types.
std::vector<std::string> quoted_words(const std::string& text) {
  std::vector<std::string> words;
  for (auto open = text.find('`'); open != std::string::npos; open = text.find('`', open + 1)) {
    auto close = text.find('`', open + 1);
    if (close == std::string::npos) break;
    auto word = text.substr(open + 1, close - open - 1);
    if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos)
      words.push_back(word);
    open = close;
  }
  return words;
}

}  // namespace

// The lookup happens while compiling; a slug that is not in the table would not build.
static_assert((*ProblemSlug("rate-limited")).status == 429);
static_assert((*ProblemSlug("validation-failed")).title == "Invalid request");

TEST(ProblemTypes, EachSlugIsDeclaredOnce) {
  std::set<std::string_view> seen;
  for (const auto& type : kProblemTypes)
    EXPECT_TRUE(seen.insert(type.slug).second) << type.slug << " is declared twice";
}

TEST(ProblemTypes, AProblemTakesItsStatusAndTitleFromTheCatalogue) {
  Problem p("photo-limit", "a profile has at most 6 photos");
  EXPECT_EQ(p.status, 409);
  EXPECT_EQ(p.type, "photo-limit");
  EXPECT_EQ(p.title, "Conflict");
  EXPECT_EQ(p.to_json("")["type"], "/problems/photo-limit");
}

TEST(ProblemTypes, TheApiDescriptionListsExactlyTheCatalogue) {
  auto listed = openapi()["components"]["schemas"]["Problem"]["properties"]["type"]["x-problem-types"];
  ASSERT_TRUE(listed.IsSequence()) << "docs/openapi.yaml: the Problem schema's type has no x-problem-types list";
  std::map<std::string, YAML::Node, std::less<>> documented;
  for (const auto& entry : listed) {
    auto slug = entry["slug"].as<std::string>();
    EXPECT_TRUE(documented.emplace(slug, entry).second) << slug << " is listed twice in docs/openapi.yaml";
  }
  for (const auto& type : kProblemTypes) {
    auto it = documented.find(type.slug);
    if (it == documented.end()) {
      ADD_FAILURE() << type.slug << " is not in x-problem-types of docs/openapi.yaml";
      continue;
    }
    EXPECT_EQ(it->second["status"].as<int>(), type.status) << type.slug;
    EXPECT_EQ(it->second["title"].as<std::string>(), type.title) << type.slug;
  }
  for (const auto& [slug, entry] : documented)
    EXPECT_NE(find_type(slug), nullptr) << slug << " is documented, but the code has no such problem type";
}

TEST(ProblemTypes, AResponseNamesOnlyTypesOfItsStatus) {
  auto doc = openapi();
  auto shared = doc["components"]["responses"];
  int named = 0;
  for (const auto& path : doc["paths"]) {
    for (const auto& op : path.second) {
      if (!op.second.IsMap() || !op.second["responses"]) continue;
      for (const auto& response : op.second["responses"]) {
        const auto code = response.first.as<std::string>();
        const std::string where = op.first.as<std::string>() + " " + path.first.as<std::string>() + " " + code;
        YAML::Node body = response.second;
        if (body["$ref"]) {  // "#/components/responses/Name"
          auto ref = body["$ref"].as<std::string>();
          body = shared[ref.substr(ref.rfind('/') + 1)];
        }
        if (!body["description"]) continue;
        for (const auto& word : quoted_words(body["description"].as<std::string>())) {
          const ProblemType* type = find_type(word);
          // An error response's hyphenated word is a problem type: it must be one the code has.
          if (!type && word.find('-') != std::string::npos && code >= "400")
            ADD_FAILURE() << where << " names `" << word << "`, which is no problem type";
          if (!type) continue;
          ++named;
          EXPECT_EQ(std::to_string(type->status), code) << where << " names `" << word << "`";
        }
      }
    }
  }
  EXPECT_GT(named, 100) << "the responses should name the problem types they return";
}
