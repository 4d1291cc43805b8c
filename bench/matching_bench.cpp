// Matching engine benchmarks (docs/benchmarks.md, "Matching engine"), on synthetic users of the
// product bank (matching_data.hpp). Each figure beside its reference in the same run:
//   BM_ScorePair/{cold,hot}          score_pair over random pairs (the reference), CPU time per pair.
//   BM_PairTotal/<isa>_{cold,hot}    the search kernel's total only (pair_kernel.hpp) on the same
//                                    pairs, by instruction set (portable, avx2): the speed-up.
//   BM_CandidateSearch/N/exact       the best 50 for one user among N indexed users by the
//                                    CandidateIndex (columnar, exact; split over 2 threads when
//                                    large); /exact_1thread the same on one thread.
//   BM_CandidateSearch/N/reference   the index as it was before issue 20 (bench/reference_index.hpp):
//                                    its exact path (score_pair on every filtered user), the
//                                    reference for latency and for the answers (recall@50 of the
//                                    new index against it; its scores must be the same).
//   BM_CandidateSearch/N/reference_ann  its HNSW path: latency and recall@50 against the same.
// Each query is timed on its own (manual time), so p50/p99 come from the same query users on
// every path: half have no distance limit, half have one. Environment:
//   PM_BENCH_SIZES=a,b   the sizes (default 100000,1000000)
//   PM_BENCH_MILLION=0   100000 only
//   PM_BENCH_QUERIES=n   query users per run (default 200)
//   PM_BENCH_ANN="pool:2000 pool:4000,m:32,efc:200"  extra reference ANN runs with other options
//   PM_BENCH_NO_ANN=1    no reference ANN runs (its graph takes minutes to build at a million)
//   PM_BENCH_JSON=path   where the summary goes (bench/run: bench/results/matching.json)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "core/json.hpp"
#include "core/time.hpp"
#include "matching/candidate_index.hpp"
#include "matching/pair_kernel.hpp"
#include "matching_data.hpp"
#include "reference_index.hpp"

namespace {

using namespace pm::matching;
using pm::bench::ReferenceIndex;
using pm::bench::ReferenceOptions;
using pm::bench::SearchPath;
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

// The 1-minute load average: the machine is shared, so each figure carries it.
double load_average() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
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

// The run's summary for scripts (bench/results/matching.json): each benchmark adds its figures
// and the file is rewritten, so an interrupted run keeps what it measured.
void record(const std::string& name, pm::Json figures) {
  static pm::Json summary = {{"date", pm::iso8601(pm::Clock::now())},
                             {"command", "build/release/pm_benchmarks (bench/matching_bench.cpp)"},
                             {"kernel_isa", isa_name(best_isa())},
                             {"benchmarks", pm::Json::object()}};
  figures["load_average"] = load_average();
  summary["benchmarks"][name] = std::move(figures);
  const std::string path = env("PM_BENCH_JSON");
  if (path.empty()) return;
  std::ofstream out(path);
  out << summary.dump(2) << "\n";
}

// ---------------------------------------------------------------------------------------------

// 65,536 random pairs among the first `among` of 20,000 users: among 20,000 ("cold") a pair's
// data is rarely in cache, as in a batch over everyone; among 256 ("hot") all of it is, which
// measures the scoring itself. Timed in the thread's CPU time: the machine is shared.
struct Pairs {
  std::vector<IndexedUser> users = pm::bench::make_population(bank(), {.users = 20000, .seed = 7});
  std::vector<std::pair<std::size_t, std::size_t>> pairs(std::size_t among) const {
    std::mt19937_64 rng(11);
    std::vector<std::pair<std::size_t, std::size_t>> out(1 << 16);
    for (auto& [a, b] : out) a = rng() % among, b = rng() % among;
    return out;
  }
};

const Pairs& pair_users() {
  static const Pairs p;
  return p;
}

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::map<std::string, double>& ns_per_pair() {
  static std::map<std::string, double> m;
  return m;
}

const char* temperature(std::size_t among) { return among <= 256 ? "hot" : "cold"; }

void BM_ScorePair(benchmark::State& state, std::size_t among) {
  const auto& users = pair_users().users;
  const auto pairs = pair_users().pairs(among);
  // Not timed: how the population scores, so the numbers can be read against realistic data.
  double excluded = 0, shared = 0;
  for (const auto& [a, b] : pairs) {
    auto s = score_pair(bank(), users[a].profile, users[b].profile);
    excluded += s.excluded();
    shared += s.shared;
  }
  std::size_t i = 0;
  const double t0 = thread_cpu_s();
  for (auto _ : state) {
    const auto& [a, b] = pairs[i++ & (pairs.size() - 1)];
    auto s = score_pair(bank(), users[a].profile, users[b].profile);
    benchmark::DoNotOptimize(s);
  }
  const double ns = (thread_cpu_s() - t0) * 1e9 / static_cast<double>(state.iterations());
  ns_per_pair()[temperature(among)] = ns;
  state.SetItemsProcessed(state.iterations());
  state.counters["cpu_ns_per_pair"] = ns;
  state.counters["questions"] = static_cast<double>(bank().slots().size());
  state.counters["dealbreaker_pct"] = 100 * excluded / static_cast<double>(pairs.size());
  state.counters["shared_questions"] = shared / static_cast<double>(pairs.size());
  record(fmt::format("score_pair_{}", temperature(among)),
         {{"cpu_ns_per_pair", ns}, {"pairs", pairs.size()}, {"among_users", among}});
}
BENCHMARK_CAPTURE(BM_ScorePair, cold, std::size_t{20000});
BENCHMARK_CAPTURE(BM_ScorePair, hot, std::size_t{256});

// The kernel's total on the same pairs, as the search computes it: the searcher's side prepared
// once per query (here per user, before timing), the candidate's row and traits from columns.
void BM_PairTotal(benchmark::State& state, Isa isa, std::size_t among) {
  if (isa == Isa::avx2 && best_isa() != Isa::avx2) {
    state.SkipWithError("this CPU has no AVX2");
    return;
  }
  const auto& users = pair_users().users;
  const auto pairs = pair_users().pairs(among);
  const AnswerLayout layout(bank());
  const std::size_t dims = bank().bank().dimensions.size();
  Column<std::byte> rows(users.size() * layout.row_bytes());
  std::vector<CompactAnswer> wide(users.size() * layout.wide_count());
  Column<float> traits(users.size() * dims);
  std::vector<QuerySide> sides;
  sides.reserve(users.size());
  for (std::size_t i = 0; i < users.size(); ++i) {
    layout.encode(users[i].profile.answers, &rows[i * layout.row_bytes()], &wide[i * layout.wide_count()]);
    std::ranges::copy(users[i].profile.traits, traits.begin() + static_cast<std::ptrdiff_t>(i * dims));
    sides.emplace_back(layout, users[i].profile.answers);
  }
  std::size_t i = 0;
  const double t0 = thread_cpu_s();
  for (auto _ : state) {
    const auto& [a, b] = pairs[i++ & (pairs.size() - 1)];
    const AnswerTotals t =
        answer_totals(isa, layout, sides[a], &rows[b * layout.row_bytes()], &wide[b * layout.wide_count()]);
    auto s = total_score(t, dot(isa, &traits[a * dims], &traits[b * dims], dims), std::nullopt);
    benchmark::DoNotOptimize(s);
  }
  const double ns = (thread_cpu_s() - t0) * 1e9 / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
  const double reference = ns_per_pair().count(temperature(among)) ? ns_per_pair()[temperature(among)] : 0;
  state.counters["cpu_ns_per_pair"] = ns;
  if (reference > 0) state.counters["speedup_vs_score_pair"] = reference / ns;
  record(fmt::format("pair_total_{}_{}", isa_name(isa), temperature(among)),
         {{"cpu_ns_per_pair", ns}, {"reference_score_pair_cpu_ns", reference}, {"speedup", reference / ns}});
}
BENCHMARK_CAPTURE(BM_PairTotal, portable_cold, Isa::portable, std::size_t{20000});
BENCHMARK_CAPTURE(BM_PairTotal, avx2_cold, Isa::avx2, std::size_t{20000});
BENCHMARK_CAPTURE(BM_PairTotal, portable_hot, Isa::portable, std::size_t{256});
BENCHMARK_CAPTURE(BM_PairTotal, avx2_hot, Isa::avx2, std::size_t{256});

// ---------------------------------------------------------------------------------------------

struct Query {
  IndexedUser user;
  bool unlimited = false;
};

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

// One population and one index at a time (the new index, then the reference built from the same
// users): three at a million users would not fit the memory budget.
struct Setup {
  std::size_t users = 0;
  std::vector<IndexedUser> population;
  std::vector<Query> queries;
  std::unique_ptr<CandidateIndex> index;
  IndexOptions index_options;
  std::unique_ptr<ReferenceIndex> reference;
  ReferenceOptions reference_options;
  double generate_s = 0, build_s = 0, index_mb = 0;
  std::vector<std::vector<Candidate>> found;     // the new index's answers, by query
  std::vector<std::vector<Candidate>> expected;  // the reference exact path's, by query
};

Setup& population(std::size_t users) {
  static Setup current;
  if (current.users == users) return current;
  current = Setup{};
  current.users = users;
  const auto t0 = Clock::now();
  current.population = pm::bench::make_population(bank(), {.users = users, .seed = 42});
  current.generate_s = seconds_since(t0);
  current.queries = pick_queries(current.population, query_count());
  current.found.resize(current.queries.size());
  current.expected.resize(current.queries.size());
  return current;
}

bool same(const IndexOptions& a, const IndexOptions& b) {
  return a.isa == b.isa && a.threads == b.threads && a.split_at == b.split_at;
}
bool same(const ReferenceOptions& a, const ReferenceOptions& b) {
  return a.exact_threshold == b.exact_threshold && a.pool == b.pool && a.hnsw_m == b.hnsw_m &&
         a.hnsw_ef_construction == b.hnsw_ef_construction && a.graph == b.graph;
}

const CandidateIndex& new_index(Setup& s, const IndexOptions& options) {
  if (s.index && same(s.index_options, options)) return *s.index;
  s.reference.reset();
  const auto t0 = Clock::now();
  s.index = std::make_unique<CandidateIndex>(shared_bank(), options);
  for (const auto& u : s.population) s.index->upsert(u);
  s.build_s = seconds_since(t0);
  s.index_options = options;
  s.index_mb = static_cast<double>(s.index->memory_bytes()) / 1e6;
  std::fprintf(stderr, "index of %zu users: generated in %.1f s, built in %.1f s, %.0f MB (%s)\n", s.users,
               s.generate_s, s.build_s, s.index_mb, isa_name(options.isa));
  return *s.index;
}

const ReferenceIndex& reference_index(Setup& s, const ReferenceOptions& options) {
  if (s.reference && same(s.reference_options, options)) return *s.reference;
  s.index.reset();
  s.reference.reset();
  const auto t0 = Clock::now();
  s.reference = std::make_unique<ReferenceIndex>(shared_bank(), options);
  for (const auto& u : s.population) s.reference->upsert(u);
  s.build_s = seconds_since(t0);
  s.reference_options = options;
  s.index_mb = static_cast<double>(s.reference->memory_bytes()) / 1e6;
  std::fprintf(stderr, "reference index of %zu users (pool %zu, M %d, ef_construction %d): built in %.1f s, %.0f MB\n",
               s.users, options.pool, options.hnsw_m, options.hnsw_ef_construction, s.build_s, s.index_mb);
  return *s.reference;
}

// Share of the reference's best 50 that a path returned. `ties`: a returned candidate scoring
// as high as the reference's 50th counts (scores are rounded to 0.1, so equal scores are common).
double recall(const std::vector<Candidate>& exact, const std::vector<Candidate>& got, bool ties) {
  if (exact.empty()) return 1;
  std::size_t hits = 0;
  if (ties) {
    for (const auto& c : got) hits += c.score.score >= exact.back().score.score;
  } else {
    std::set<std::string> want;
    for (const auto& c : exact) want.insert(c.user_id);
    for (const auto& c : got) hits += want.count(c.user_id);
  }
  return static_cast<double>(std::min(hits, exact.size())) / static_cast<double>(exact.size());
}

bool same_answer(const std::vector<Candidate>& a, const std::vector<Candidate>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].user_id != b[i].user_id || a[i].score.score != b[i].score.score ||
        a[i].score.attributes != b[i].score.attributes)
      return false;
  return true;
}

enum class Path { exact, exact_1thread, reference, reference_ann };

void BM_CandidateSearch(benchmark::State& state, std::string name, std::size_t users, Path path,
                        ReferenceOptions ref_options) {
  Setup& s = population(users);
  const CandidateIndex* index = nullptr;
  const ReferenceIndex* reference = nullptr;
  if (path == Path::exact || path == Path::exact_1thread) {
    IndexOptions o;
    if (path == Path::exact_1thread) o.threads = 1;
    index = &new_index(s, o);
  } else {
    reference = &reference_index(s, ref_options);
  }
  const double mb = s.index_mb;

  std::vector<double> ms[2], hits[2], tie_hits[2];  // [0]: with a distance limit, [1]: without
  double scored = 0, examined = 0;
  std::size_t q = 0, agree = 0, compared = 0;
  for (auto _ : state) {
    const std::size_t at = q++ % s.queries.size();
    const Query& query = s.queries[at];
    std::vector<Candidate> found;
    const auto t0 = Clock::now();
    if (index) {
      SearchStats stats;
      found = index->best(query.user, {}, kTop, &stats);
      scored += static_cast<double>(stats.scored);
      examined += static_cast<double>(stats.examined);
    } else {
      pm::bench::ReferenceStats stats;
      found =
          reference->best(query.user, {}, kTop, path == Path::reference ? SearchPath::exact : SearchPath::ann, &stats);
      scored += static_cast<double>(stats.scored);
      examined += static_cast<double>(stats.examined);
    }
    const double elapsed = seconds_since(t0);
    state.SetIterationTime(elapsed);
    ms[query.unlimited].push_back(elapsed * 1e3);
    if (path == Path::exact) s.found[at] = found;
    if (path == Path::reference) s.expected[at] = found;
    // Recall against the reference exact path: the new index's answers (kept from its run) when
    // the reference runs, the ANN path's once the reference has run.
    const std::vector<Candidate>* checked = path == Path::reference       ? &s.found[at]
                                            : path == Path::reference_ann ? &found
                                                                          : nullptr;
    if (checked && !s.expected[at].empty() && !checked->empty()) {
      hits[query.unlimited].push_back(recall(s.expected[at], *checked, false));
      tie_hits[query.unlimited].push_back(recall(s.expected[at], *checked, true));
      if (path == Path::reference) {
        ++compared;
        agree += same_answer(s.expected[at], *checked);
      }
    }
  }

  auto all = [](const std::vector<double>(&v)[2]) {
    auto out = v[0];
    out.insert(out.end(), v[1].begin(), v[1].end());
    return out;
  };
  auto& c = state.counters;
  const double load = load_average();
  c["p50_ms"] = percentile(all(ms), 0.50);
  c["p99_ms"] = percentile(all(ms), 0.99);
  c["limit_p99_ms"] = percentile(ms[0], 0.99);
  c["nolimit_p99_ms"] = percentile(ms[1], 0.99);
  c["examined_per_query"] = examined / static_cast<double>(std::max<std::size_t>(q, 1));
  c["scored_per_query"] = scored / static_cast<double>(std::max<std::size_t>(q, 1));
  c["index_MB"] = mb;
  c["rss_MB"] = proc_status_mb("VmRSS:");
  c["build_s"] = s.build_s;
  c["load"] = load;
  std::string line = fmt::format(
      "{}: p50 {:.2f} ms, p99 {:.2f} ms (limited: p50 {:.2f} p99 {:.2f}; no limit: p50 {:.2f} p99 {:.2f}), {:.0f} "
      "users filtered and {:.0f} scored per query",
      name, c["p50_ms"].value, c["p99_ms"].value, percentile(ms[0], 0.5), c["limit_p99_ms"].value,
      percentile(ms[1], 0.5), c["nolimit_p99_ms"].value, c["examined_per_query"].value, c["scored_per_query"].value);
  pm::Json figures = {{"users", users},
                      {"queries", q},
                      {"top", kTop},
                      {"p50_ms", c["p50_ms"].value},
                      {"p99_ms", c["p99_ms"].value},
                      {"limit_p99_ms", c["limit_p99_ms"].value},
                      {"nolimit_p99_ms", c["nolimit_p99_ms"].value},
                      {"examined_per_query", c["examined_per_query"].value},
                      {"scored_per_query", c["scored_per_query"].value},
                      {"index_mb", mb},
                      {"rss_mb", c["rss_MB"].value},
                      {"build_s", s.build_s}};
  if (!hits[0].empty() || !hits[1].empty()) {
    c["recall50"] = mean(all(hits));
    c["recall50_ties"] = mean(all(tie_hits));
    figures["recall50"] = c["recall50"].value;
    figures["recall50_ties"] = c["recall50_ties"].value;
    line += fmt::format(", recall@50 {} {:.4f} (limited {:.4f}, no limit {:.4f}; counting ties {:.4f}, min {:.2f})",
                        path == Path::reference ? "of the new index against this path" : "against the reference",
                        c["recall50"].value, mean(hits[0]), mean(hits[1]), c["recall50_ties"].value,
                        percentile(all(hits), 0.0));
  }
  if (path == Path::reference) {
    c["identical_answers"] = static_cast<double>(agree);
    figures["new_index_identical_answers"] = agree;
    figures["compared_queries"] = compared;
    line += fmt::format("; the new index's answer identical (ids, scores, attributes) for {} of {} queries", agree,
                        compared);
  }
  line += fmt::format("; index {:.0f} MB (RSS {:.0f} MB), built in {:.1f} s; load {:.2f}\n", mb, c["rss_MB"].value,
                      s.build_s, load);
  std::fputs(line.c_str(), stderr);
  record(name, std::move(figures));
}

// "pool:2000,m:32,efc:200" -> ReferenceOptions, the defaults for what it does not name; nullopt
// when it cannot be read (reported at start-up rather than thrown before main).
std::optional<ReferenceOptions> parse_variant(const std::string& text) {
  ReferenceOptions o;
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

// Registered at start-up so that the sizes and variants can come from the environment. The new
// index runs first (its answers are kept), then the reference, which checks them.
const bool registered = [] {
  const auto queries = static_cast<benchmark::IterationCount>(query_count());
  auto add = [&](const std::string& name, std::size_t users, Path path, ReferenceOptions options) {
    benchmark::RegisterBenchmark(name.c_str(), BM_CandidateSearch, name, users, path, options)
        ->UseManualTime()
        ->Iterations(queries)
        ->Unit(benchmark::kMillisecond);
  };
  std::vector<std::string> variants;
  std::stringstream in(env("PM_BENCH_ANN"));
  for (std::string v; in >> v;) variants.push_back(v);
  for (std::size_t users : sizes()) {
    add(fmt::format("BM_CandidateSearch/{}/exact", users), users, Path::exact, {});
    add(fmt::format("BM_CandidateSearch/{}/exact_1thread", users), users, Path::exact_1thread, {});
    add(fmt::format("BM_CandidateSearch/{}/reference", users), users, Path::reference, {.graph = false});
    if (env("PM_BENCH_NO_ANN") == "1") continue;
    add(fmt::format("BM_CandidateSearch/{}/reference_ann", users), users, Path::reference_ann, {});
    for (const auto& v : variants) {
      auto options = parse_variant(v);
      if (!options) {
        std::fprintf(stderr, "PM_BENCH_ANN: cannot read \"%s\" (want e.g. pool:2000,m:32,efc:200)\n", v.c_str());
        continue;
      }
      add(fmt::format("BM_CandidateSearch/{}/reference_ann/{}", users, v), users, Path::reference_ann, *options);
    }
  }
  return true;
}();

}  // namespace
