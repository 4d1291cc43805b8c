// Matching engine benchmarks (docs/benchmarks.md, "Matching engine"), on synthetic users of the
// product bank (matching_data.hpp):
//   BM_ScorePair                   score_pair over random pairs: pairs/s on one core.
//   BM_CandidateSearch/N/exact     the best 50 for one user among N indexed users by the exact
//                                  path: the reference, and the per-query latency it costs.
//   BM_CandidateSearch/N/ann[/..]  the same queries by the ANN path: latency, and recall@50
//                                  against the exact path's answer for the same user.
// Each query is timed on its own (manual time), so p50/p99 come from the same query users on
// both paths: half have no distance limit (the ANN path then searches everyone of the genders
// they seek), half have one. Environment:
//   PM_BENCH_SIZES=a,b   the sizes (default 100000,1000000; the million takes about 3 minutes to
//                        build and 1.8 GB at peak, 5 minutes in all on 2 cores)
//   PM_BENCH_MILLION=0   100000 only
//   PM_BENCH_QUERIES=n   query users per run (default 200)
//   PM_BENCH_ANN="pool:2000 pool:4000,m:32,efc:200"  extra ANN runs with other IndexOptions,
//                        each on an index rebuilt with them

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "matching/candidate_index.hpp"
#include "matching_data.hpp"

namespace {

using namespace pm::matching;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kTop = 50;  // PM_MATCHES_PER_USER's default

std::shared_ptr<const ScoringBank> shared_bank() {
  static const auto bank = pm::bench::product_bank();
  return bank;
}

const ScoringBank& bank() { return *shared_bank(); }

std::string env(const char* name, std::string fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// VmRSS / VmHWM in MB: a check on the index's own estimate (memory_bytes), which counts what it
// holds but not the allocator's overhead.
double proc_status_mb(const char* field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::string(field).size() + 1)) / 1024;
  return 0;
}

// Nearest-rank percentile.
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::ranges::sort(v);
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

// ---------------------------------------------------------------------------------------------

void BM_ScorePair(benchmark::State& state) {
  static const auto users = pm::bench::make_population(bank(), {.users = 20000, .seed = 7});
  std::mt19937_64 rng(11);
  std::vector<std::pair<std::size_t, std::size_t>> pairs(1 << 16);
  for (auto& [a, b] : pairs) a = rng() % users.size(), b = rng() % users.size();
  // Not timed: how the population scores, so the numbers can be read against realistic data.
  double excluded = 0, shared = 0;
  for (const auto& [a, b] : pairs) {
    auto s = score_pair(bank(), users[a].profile, users[b].profile);
    excluded += s.excluded();
    shared += s.shared;
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& [a, b] = pairs[i++ & (pairs.size() - 1)];
    auto s = score_pair(bank(), users[a].profile, users[b].profile);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["questions"] = static_cast<double>(bank().slots().size());
  state.counters["dealbreaker_pct"] = 100 * excluded / static_cast<double>(pairs.size());
  state.counters["shared_questions"] = shared / static_cast<double>(pairs.size());
}
BENCHMARK(BM_ScorePair);

// ---------------------------------------------------------------------------------------------

struct Query {
  IndexedUser user;
  bool unlimited = false;
};

// One index at a time: two at a million users would not fit the memory budget.
struct Setup {
  std::size_t users = 0;
  IndexOptions options;
  std::unique_ptr<CandidateIndex> index;
  std::vector<Query> queries;
  double generate_s = 0, build_s = 0;
};

bool same(const IndexOptions& a, const IndexOptions& b) {
  return a.exact_threshold == b.exact_threshold && a.pool == b.pool && a.hnsw_m == b.hnsw_m &&
         a.hnsw_ef_construction == b.hnsw_ef_construction;
}

std::size_t query_count() {
  return std::max<std::size_t>(1, std::strtoul(env("PM_BENCH_QUERIES", "200").c_str(), nullptr, 10));
}

// Half the query users without a distance limit, half with one, spread over the population.
std::vector<Query> pick_queries(const std::vector<IndexedUser>& users, std::size_t count) {
  std::mt19937_64 rng(5);
  std::vector<Query> out;
  std::set<std::size_t> taken;
  std::size_t unlimited = 0, limited = 0;
  for (std::size_t tries = 0; out.size() < count && tries < 100 * count; ++tries) {
    std::size_t i = rng() % users.size();
    bool u = users[i].facts.max_distance_km == 0;
    if ((u ? unlimited : limited) >= (count + 1) / 2 || !taken.insert(i).second) continue;
    ++(u ? unlimited : limited);
    out.push_back({users[i], u});
  }
  return out;
}

Setup& setup(std::size_t users, const IndexOptions& options) {
  static Setup current;
  if (current.index && current.users == users && same(current.options, options)) return current;
  current = Setup{};
  current.users = users;
  current.options = options;
  auto t0 = Clock::now();
  auto population = pm::bench::make_population(bank(), {.users = users, .seed = 42});
  current.generate_s = seconds_since(t0);
  current.queries = pick_queries(population, query_count());
  t0 = Clock::now();
  current.index = std::make_unique<CandidateIndex>(shared_bank(), options);
  for (auto& u : population) current.index->upsert(std::move(u));
  current.build_s = seconds_since(t0);
  std::fprintf(
      stderr,
      "index of %zu users (pool %zu, M %d, ef_construction %d): generated in %.1f s, built in %.1f s, %.0f MB\n", users,
      options.pool, options.hnsw_m, options.hnsw_ef_construction, current.generate_s, current.build_s,
      static_cast<double>(current.index->memory_bytes()) / 1e6);
  return current;
}

// The exact path's best 50 for each query user, by population size: the reference for recall.
// The exact path does not depend on IndexOptions, so one reference serves every ANN variant.
std::vector<std::optional<std::vector<Candidate>>>& reference(std::size_t users) {
  static std::map<std::size_t, std::vector<std::optional<std::vector<Candidate>>>> by_size;
  auto& r = by_size[users];
  if (r.empty()) r.resize(query_count());
  return r;
}

// Share of the exact top 50 that the ANN path returned. `ties`: a returned candidate scoring
// as high as the exact 50th counts (scores are rounded to 0.1, so equal scores are common and
// which of them makes the cut is only a tie-break by user id).
double recall(const std::vector<Candidate>& exact, const std::vector<Candidate>& ann, bool ties) {
  std::size_t hits = 0;
  if (ties) {
    for (const auto& c : ann) hits += c.score.score >= exact.back().score.score;
  } else {
    std::set<std::string> want;
    for (const auto& c : exact) want.insert(c.user_id);
    for (const auto& c : ann) hits += want.count(c.user_id);
  }
  return static_cast<double>(std::min(hits, exact.size())) / static_cast<double>(exact.size());
}

void BM_CandidateSearch(benchmark::State& state, std::string name, std::size_t users, SearchPath path,
                        IndexOptions options) {
  Setup& s = setup(users, options);
  auto& ref = reference(users);
  if (path == SearchPath::ann)  // normally filled by the exact run before
    for (std::size_t q = 0; q < s.queries.size(); ++q)
      if (!ref[q]) ref[q] = s.index->best(s.queries[q].user, {}, kTop, SearchPath::exact);

  std::vector<double> ms[2], hits[2], tie_hits[2];  // [0]: with a distance limit, [1]: without
  double scored = 0, examined = 0;
  std::size_t q = 0;
  for (auto _ : state) {
    const std::size_t at = q++ % s.queries.size();
    const Query& query = s.queries[at];
    SearchStats stats;
    const auto t0 = Clock::now();
    auto found = s.index->best(query.user, {}, kTop, path, &stats);
    const double elapsed = seconds_since(t0);
    state.SetIterationTime(elapsed);
    ms[query.unlimited].push_back(elapsed * 1e3);
    scored += static_cast<double>(stats.scored);
    examined += static_cast<double>(stats.examined);
    if (path == SearchPath::exact && !ref[at])
      ref[at] = std::move(found);
    else if (path == SearchPath::ann && !ref[at]->empty()) {
      hits[query.unlimited].push_back(recall(*ref[at], found, false));
      tie_hits[query.unlimited].push_back(recall(*ref[at], found, true));
    }
  }

  auto all = [](const std::vector<double>(&v)[2]) {
    auto out = v[0];
    out.insert(out.end(), v[1].begin(), v[1].end());
    return out;
  };
  auto& c = state.counters;
  c["p50_ms"] = percentile(all(ms), 0.50);
  c["p99_ms"] = percentile(all(ms), 0.99);
  c["limit_p99_ms"] = percentile(ms[0], 0.99);
  c["nolimit_p99_ms"] = percentile(ms[1], 0.99);
  c["examined_per_query"] = examined / static_cast<double>(std::max<std::size_t>(q, 1));
  c["scored_per_query"] = scored / static_cast<double>(std::max<std::size_t>(q, 1));
  c["index_MB"] = static_cast<double>(s.index->memory_bytes()) / 1e6;
  c["rss_MB"] = proc_status_mb("VmRSS:");
  c["distinct_pct"] = 100.0 * static_cast<double>(s.index->distinct_vectors()) / static_cast<double>(s.index->size());
  c["build_s"] = s.build_s;
  std::string line = fmt::format(
      "{}: p50 {:.2f} ms, p99 {:.2f} ms (limited: p50 {:.2f} p99 {:.2f}; no limit: p50 {:.2f} p99 {:.2f}), {:.0f} "
      "users filtered and {:.0f} scored per query",
      name, c["p50_ms"].value, c["p99_ms"].value, percentile(ms[0], 0.5), c["limit_p99_ms"].value,
      percentile(ms[1], 0.5), c["nolimit_p99_ms"].value, c["examined_per_query"].value, c["scored_per_query"].value);
  if (path == SearchPath::ann) {
    c["recall50"] = mean(all(hits));
    c["recall50_ties"] = mean(all(tie_hits));
    c["limit_recall50"] = mean(hits[0]);
    c["nolimit_recall50"] = mean(hits[1]);
    line += fmt::format(", recall@50 {:.4f} (limited {:.4f}, no limit {:.4f}; counting ties {:.4f}, min {:.2f})",
                        c["recall50"].value, c["limit_recall50"].value, c["nolimit_recall50"].value,
                        c["recall50_ties"].value, percentile(all(hits), 0.0));
  }
  line += fmt::format("; index {:.0f} MB (RSS {:.0f} MB), {:.1f}% distinct vectors, built in {:.1f} s\n",
                      c["index_MB"].value, c["rss_MB"].value, c["distinct_pct"].value, s.build_s);
  std::fputs(line.c_str(), stderr);
}

// "pool:2000,m:32,efc:200" -> IndexOptions, the defaults for what it does not name; nullopt
// when it cannot be read (reported at start-up rather than thrown before main).
std::optional<IndexOptions> parse_variant(const std::string& text) {
  IndexOptions o;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    auto colon = item.find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string key = item.substr(0, colon);
    char* end = nullptr;
    long value = std::strtol(item.c_str() + colon + 1, &end, 10);
    if (*end != '\0' || value <= 0) return std::nullopt;
    if (key == "pool")
      o.pool = static_cast<std::size_t>(value);
    else if (key == "m")
      o.hnsw_m = static_cast<int>(value);
    else if (key == "efc")
      o.hnsw_ef_construction = static_cast<int>(value);
    else
      return std::nullopt;
  }
  return o;
}

std::vector<std::size_t> sizes() {
  std::vector<std::size_t> out;
  std::stringstream in(env("PM_BENCH_SIZES", env("PM_BENCH_MILLION") == "0" ? "100000" : "100000,1000000"));
  for (std::string item; std::getline(in, item, ',');)
    if (auto n = std::strtoul(item.c_str(), nullptr, 10); n > 0) out.push_back(n);
  return out;
}

// Registered at start-up so that the sizes and variants can come from the environment.
const bool registered = [] {
  const auto queries = static_cast<benchmark::IterationCount>(query_count());
  auto add = [&](const std::string& name, std::size_t users, SearchPath path, IndexOptions options) {
    benchmark::RegisterBenchmark(name.c_str(), BM_CandidateSearch, name, users, path, options)
        ->UseManualTime()
        ->Iterations(queries)
        ->Unit(benchmark::kMillisecond);
  };
  std::vector<std::string> variants;
  std::stringstream in(env("PM_BENCH_ANN"));
  for (std::string v; in >> v;) variants.push_back(v);
  for (std::size_t users : sizes()) {
    add(fmt::format("BM_CandidateSearch/{}/exact", users), users, SearchPath::exact, {});
    add(fmt::format("BM_CandidateSearch/{}/ann", users), users, SearchPath::ann, {});
    for (const auto& v : variants) {
      auto options = parse_variant(v);
      if (!options) {
        std::fprintf(stderr, "PM_BENCH_ANN: cannot read \"%s\" (want e.g. pool:2000,m:32,efc:200)\n", v.c_str());
        continue;
      }
      add(fmt::format("BM_CandidateSearch/{}/ann/{}", users, v), users, SearchPath::ann, *options);
    }
  }
  return true;
}();

}  // namespace
