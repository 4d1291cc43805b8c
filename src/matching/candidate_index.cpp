#include "matching/candidate_index.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>

namespace pm::matching {

namespace {

constexpr std::size_t kChunk = 512;  // users filtered before the survivors are scored

// Grows a column by an eighth rather than doubling: at a million users the slack of doubling
// would cost hundreds of MB; the extra copies cost about a second over a whole build.
template <class V>
void reserve_for(V& v, std::size_t needed) {
  if (needed > v.capacity()) v.reserve(needed + needed / 8 + 16);
}

// swap-with-last removal of one row of `width` elements.
template <class V>
void erase_row(V& v, std::size_t row, std::size_t width) {
  const std::size_t last = v.size() / width - 1;
  if (row != last)
    std::copy_n(v.begin() + static_cast<std::ptrdiff_t>(last * width), width,
                v.begin() + static_cast<std::ptrdiff_t>(row * width));
  v.resize(last * width);
}

}  // namespace

// Kept only for users whose vectors the columns do not hold: a text embedding, or traits of
// another length than the bank's dimensions.
struct Side {
  std::vector<float> traits, text;
};

struct CandidateIndex::Segment {
  Cell cell = kNowhere;
  bool unlimited = false;
  std::uint8_t gender = 0, seeking = 0;  // every user of the segment's
  // The filter facts.
  Column<std::uint8_t> state;  // kComplete | kHidden bits
  Column<std::int16_t> age, min_age, max_age;
  Column<float> lat, lon;
  Column<std::int32_t> limit;
  Column<UnitVector> point;   // lat, lon as a unit vector
  Column<ChordBounds> reach;  // the user's limit as bounds on chord2 (unused without a limit)
  // What the survivors are scored on.
  Column<std::byte> rows;           // layout.row_bytes() per user
  std::vector<CompactAnswer> wide;  // layout.wide_count() per user
  Column<float> traits;             // dims per user (zeros when the user's traits are not dims long)
  struct Extra {
    const std::string* id;  // the key in by_id_ (nodes of an unordered_map do not move)
    std::uint32_t trait_size = 0;
    bool text = false;
    std::unique_ptr<Side> side;
  };
  std::vector<Extra> extra;

  static constexpr std::uint8_t kComplete = 1, kHidden = 2;
  std::size_t size() const { return extra.size(); }
};

CandidateIndex::CandidateIndex(std::shared_ptr<const ScoringBank> bank, IndexOptions options)
    : bank_(std::move(bank)),
      options_(options),
      layout_(*bank_),
      dims_(bank_->bank().dimensions.size()),
      frequencies_(*bank_) {
  if (options_.isa == Isa::avx2 && best_isa() != Isa::avx2) options_.isa = Isa::portable;
}

CandidateIndex::~CandidateIndex() = default;

CandidateIndex::Cell CandidateIndex::cell_of(float lat, float lon) {
  // 1 degree cells: about 111 km north-south, less east-west away from the equator.
  int la = std::clamp(static_cast<int>(std::floor(lat)) + 90, 0, 179);
  int lo = (static_cast<int>(std::floor(lon)) + 180 + 360) % 360;
  return la * 360 + lo;
}

std::vector<CandidateIndex::Cell> CandidateIndex::cells_within(float lat, float lon, double km) const {
  std::vector<Cell> out;
  const double dlat = km / 111.0 + 1e-6;
  // The widest the circle gets in longitude is at its latitude nearest a pole; one that reaches
  // within a degree of a pole (or beyond it) takes every longitude.
  const double nearest_pole = std::abs(double(lat)) + dlat;
  const double dlon =
      nearest_pole >= 89.0 ? 180.0 : std::min(180.0, km / (111.0 * std::cos(nearest_pole * kRadiansPerDegree)));
  const int la0 = static_cast<int>(std::floor(lat - dlat)), la1 = static_cast<int>(std::floor(lat + dlat));
  const int lo0 = static_cast<int>(std::floor(lon - dlon)), lo1 = static_cast<int>(std::floor(lon + dlon));
  std::unordered_set<Cell> seen;
  for (int la = std::max(la0, -90); la <= std::min(la1, 89); ++la)
    for (int lo = lo0; lo <= lo1 && lo < lo0 + 360; ++lo) {
      Cell c = cell_of(static_cast<float>(la) + 0.5f, static_cast<float>(lo) + 0.5f);
      if (segments_in_cell_.count(c) && seen.insert(c).second) out.push_back(c);
    }
  return out;
}

std::uint32_t CandidateIndex::segment_for(const Facts& f) {
  const Cell cell = f.located ? cell_of(f.lat, f.lon) : kNowhere;
  const bool unlimited = f.max_distance_km <= 0;
  const std::int64_t key = ((std::int64_t{cell} * 2 + unlimited) * 256 + f.gender) * 256 + f.seeking;
  auto [it, fresh] = segment_by_key_.try_emplace(key, static_cast<std::uint32_t>(segments_.size()));
  if (fresh) {
    segments_.push_back(std::make_unique<Segment>());
    Segment& s = *segments_.back();
    s.cell = cell;
    s.unlimited = unlimited;
    s.gender = f.gender;
    s.seeking = f.seeking;
    segments_in_cell_[cell].push_back(it->second);
  }
  return it->second;
}

void CandidateIndex::unlink(const Location& at) {
  Segment& s = *segments_[at.segment];
  const std::size_t r = at.row;
  frequencies_.count(layout_.decode(&s.rows[r * layout_.row_bytes()], &s.wide[r * layout_.wide_count()]), -1);
  if (s.limit[r] > 0 && --limits_[s.limit[r]] == 0) limits_.erase(s.limit[r]);
  const std::string* id = s.extra[r].id;
  erase_row(s.state, r, 1);
  erase_row(s.age, r, 1);
  erase_row(s.min_age, r, 1);
  erase_row(s.max_age, r, 1);
  erase_row(s.lat, r, 1);
  erase_row(s.lon, r, 1);
  erase_row(s.limit, r, 1);
  erase_row(s.point, r, 1);
  erase_row(s.reach, r, 1);
  erase_row(s.rows, r, layout_.row_bytes());
  if (layout_.wide_count()) erase_row(s.wide, r, layout_.wide_count());
  if (dims_) erase_row(s.traits, r, dims_);
  if (r + 1 != s.extra.size()) {
    s.extra[r] = std::move(s.extra.back());
    by_id_.at(*s.extra[r].id).row = at.row;
  }
  s.extra.pop_back();
  by_id_.erase(*id);
}

void CandidateIndex::upsert(const IndexedUser& user) {
  std::unique_lock lock(mutex_);
  if (auto it = by_id_.find(user.user_id); it != by_id_.end()) unlink(it->second);
  const std::uint32_t seg = segment_for(user.facts);
  Segment& s = *segments_[seg];
  const Facts& f = user.facts;
  const std::size_t n = s.size() + 1;
  reserve_for(s.state, n);
  for (auto* c : {&s.age, &s.min_age, &s.max_age}) reserve_for(*c, n);
  for (auto* c : {&s.lat, &s.lon}) reserve_for(*c, n);
  reserve_for(s.limit, n);
  reserve_for(s.point, n);
  reserve_for(s.reach, n);
  reserve_for(s.extra, n);
  reserve_for(s.rows, n * layout_.row_bytes());
  reserve_for(s.wide, n * layout_.wide_count());
  reserve_for(s.traits, n * dims_);
  s.state.push_back(
      static_cast<std::uint8_t>((f.complete ? Segment::kComplete : 0) | (f.hidden ? Segment::kHidden : 0)));
  s.age.push_back(f.age);
  s.min_age.push_back(f.min_age);
  s.max_age.push_back(f.max_age);
  s.lat.push_back(f.lat);
  s.lon.push_back(f.lon);
  s.limit.push_back(f.max_distance_km);
  s.point.push_back(unit_vector(f.lat, f.lon));
  s.reach.push_back(f.max_distance_km > 0 ? chord_bounds(f.max_distance_km) : ChordBounds{});
  if (f.max_distance_km > 0) ++limits_[f.max_distance_km];
  s.rows.resize(n * layout_.row_bytes());
  s.wide.resize(n * layout_.wide_count());
  layout_.encode(user.profile.answers, &s.rows[(n - 1) * layout_.row_bytes()], &s.wide[(n - 1) * layout_.wide_count()]);
  const auto& traits = user.profile.traits;
  const bool own_traits = traits.size() == dims_;
  s.traits.resize(n * dims_);
  if (own_traits) std::copy(traits.begin(), traits.end(), s.traits.end() - static_cast<std::ptrdiff_t>(dims_));
  Segment::Extra e{.trait_size = static_cast<std::uint32_t>(traits.size()),
                   .text = has_text(user.profile.text.data(), user.profile.text.size())};
  if (!own_traits || !user.profile.text.empty()) {
    e.side = std::make_unique<Side>();
    if (!own_traits) e.side->traits = traits;
    e.side->text = user.profile.text;
  }
  auto [it, fresh] = by_id_.try_emplace(user.user_id, Location{seg, static_cast<std::uint32_t>(n - 1)});
  e.id = &it->first;
  s.extra.push_back(std::move(e));
  frequencies_.count(user.profile.answers);
}

void CandidateIndex::remove(const std::string& user_id) {
  std::unique_lock lock(mutex_);
  if (auto it = by_id_.find(user_id); it != by_id_.end()) unlink(it->second);
}

std::size_t CandidateIndex::size() const {
  std::shared_lock lock(mutex_);
  return by_id_.size();
}

AnswerFrequencies CandidateIndex::answer_frequencies() const {
  std::shared_lock lock(mutex_);
  return frequencies_;
}

IndexedUser CandidateIndex::entry(const Location& at) const {
  const Segment& s = *segments_[at.segment];
  const std::size_t r = at.row;
  IndexedUser u{.user_id = *s.extra[r].id};
  Facts& f = u.facts;
  f.gender = s.gender;
  f.seeking = s.seeking;
  f.age = s.age[r];
  f.min_age = s.min_age[r];
  f.max_age = s.max_age[r];
  f.lat = s.lat[r];
  f.lon = s.lon[r];
  f.located = s.cell != kNowhere;
  f.max_distance_km = s.limit[r];
  f.complete = s.state[r] & Segment::kComplete;
  f.hidden = s.state[r] & Segment::kHidden;
  u.profile.answers = layout_.decode(&s.rows[r * layout_.row_bytes()], &s.wide[r * layout_.wide_count()]);
  const auto& e = s.extra[r];
  if (e.trait_size == dims_)
    u.profile.traits.assign(s.traits.begin() + static_cast<std::ptrdiff_t>(r * dims_),
                            s.traits.begin() + static_cast<std::ptrdiff_t>((r + 1) * dims_));
  else if (e.side)
    u.profile.traits = e.side->traits;
  if (e.side) u.profile.text = e.side->text;
  return u;
}

std::optional<IndexedUser> CandidateIndex::find(const std::string& user_id) const {
  std::shared_lock lock(mutex_);
  auto it = by_id_.find(user_id);
  if (it == by_id_.end()) return std::nullopt;
  return entry(it->second);
}

std::vector<const CandidateIndex::Segment*> CandidateIndex::segments_for(const Facts& who) const {
  std::vector<const Segment*> out;
  if (!who.complete || who.hidden) return out;  // fails every pair
  // A segment's users all have one gender and one seeking: whole segments fail the gender filter.
  auto sought = [&](const Segment& s) { return (who.seeking & s.gender) && (s.seeking & who.gender); };
  auto add = [&](Cell c, bool limited, bool unlimited) {
    if (auto it = segments_in_cell_.find(c); it != segments_in_cell_.end())
      for (std::uint32_t k : it->second)
        if (const Segment& s = *segments_[k]; (s.unlimited ? unlimited : limited) && sought(s)) out.push_back(&s);
  };
  if (who.max_distance_km > 0) {
    if (!who.located) return out;  // fails every pair ("no location")
    for (Cell c : cells_within(who.lat, who.lon, who.max_distance_km)) add(c, true, true);
    return out;
  }
  for (const auto& s : segments_)
    if (s->unlimited && sought(*s)) out.push_back(s.get());
  if (who.located && !limits_.empty())
    for (Cell c : cells_within(who.lat, who.lon, limits_.rbegin()->first)) add(c, true, false);
  return out;
}

namespace {

struct Hit {
  double score;
  const std::string* id;
};

// Best first; ties on user id so equal scores always come out in the same order.
bool better(const Hit& a, const Hit& b) { return a.score != b.score ? a.score > b.score : *a.id < *b.id; }

// Keeps the best n of what it is offered (a min-heap on `better`).
struct TopN {
  std::size_t n;
  std::vector<Hit> heap;
  bool wants(const Hit& h) const { return n > 0 && (heap.size() < n || better(h, heap.front())); }
  // Whether a score of at most `bound` can no longer enter (ties on the last score still can).
  bool beyond(double bound) const { return n == 0 || (heap.size() == n && bound < heap.front().score); }
  void offer(const Hit& h) {
    if (!wants(h)) return;
    if (heap.size() == n) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.pop_back();
    }
    heap.push_back(h);
    std::push_heap(heap.begin(), heap.end(), better);
  }
};

}  // namespace

// One query's reading of a share of its segments (one per thread).
struct CandidateIndex::Scan {
  const CandidateIndex& index;
  const IndexedUser& who;
  const std::unordered_set<std::string>& excluded;
  const QuerySide& side;
  TopN top;
  SearchStats stats;
  const UnitVector here = unit_vector(who.facts.lat, who.facts.lon);
  const ChordBounds reach = who.facts.max_distance_km > 0 ? chord_bounds(who.facts.max_distance_km) : ChordBounds{};

  void segment(const Segment& s, std::size_t begin, std::size_t end) {
    const Facts& w = who.facts;
    const std::int16_t age = w.age, lo = w.min_age, hi = w.max_age;
    const bool located = s.cell != kNowhere && w.located;
    const std::size_t dims = index.dims_, row_bytes = index.layout_.row_bytes(), wide = index.layout_.wide_count();
    const auto& traits = who.profile.traits;
    const bool text = has_text(who.profile.text.data(), who.profile.text.size());
    std::uint32_t pass[kChunk];
    for (std::size_t from = begin; from < end; from += kChunk) {
      const std::size_t to = std::min(end, from + kChunk);
      std::size_t k = 0;
      // The filters both ways, branch-free over the columns (gender: segments_for).
      for (std::size_t i = from; i < to; ++i) {
        const bool ok = (s.state[i] == Segment::kComplete) & (s.age[i] >= lo) & (s.age[i] <= hi) &
                        (age >= s.min_age[i]) & (age <= s.max_age[i]);
        pass[k] = static_cast<std::uint32_t>(i);
        k += ok;
      }
      stats.examined += to - from;
      // The distance, for the survivors only: most pairs are certainly within or beyond both
      // limits by the chord; only pairs within metres of a limit pay for distance_km (filters.hpp).
      if (w.max_distance_km > 0 || !s.unlimited) {
        const bool mine = w.max_distance_km > 0;
        std::size_t m = 0;
        for (std::size_t j = 0; j < k && located; ++j) {
          const std::size_t i = pass[j];
          const std::int32_t limit = s.limit[i];
          const bool theirs = limit > 0;
          const float c2 = chord2(here, s.point[i]);
          if ((mine && c2 > reach.beyond) || (theirs && c2 > s.reach[i].beyond)) continue;
          if ((mine && c2 > reach.within) || (theirs && c2 > s.reach[i].within)) {
            const double d = distance_km(w.lat, w.lon, s.lat[i], s.lon[i]);
            if ((mine && d > w.max_distance_km) || (theirs && d > limit)) continue;
          }
          pass[m++] = static_cast<std::uint32_t>(i);
        }
        k = m;
      }
      for (std::size_t j = 0; j < k; ++j) {
        const std::size_t i = pass[j];
        if (j + 1 < k) {  // the next candidate's row and traits, while this one is scored
          const std::size_t next = pass[j + 1];
          for (std::size_t line = 0; line < row_bytes; line += kCacheLine)
            __builtin_prefetch(&s.rows[next * row_bytes + line]);
          __builtin_prefetch(&s.extra[next]);
          if (dims) __builtin_prefetch(&s.traits[next * dims + dims - 1]);
        }
        ++stats.scored;
        const AnswerTotals t =
            answer_totals(index.options_.isa, index.layout_, side, &s.rows[i * row_bytes], &s.wide[i * wide]);
        if (t.dealbreaker) continue;
        const auto& e = s.extra[i];
        // The best the vectors could add (traits and text at 1): most candidates stop here,
        // before the dot products, once the best n are found.
        const double answers = agreement(t.earned_a, t.possible_a, t.earned_b, t.possible_b, t.shared, true);
        if (top.beyond(blended_score(answers, 1.0, text && e.text ? std::optional(1.0f) : std::nullopt))) continue;
        float traits_dot = 0;
        if (!traits.empty() && traits.size() == e.trait_size)
          traits_dot = dot(index.options_.isa, traits.data(),
                           e.trait_size == dims ? &s.traits[i * dims] : e.side->traits.data(), traits.size());
        const std::optional<float> text_dot =
            text && e.text ? std::optional(dot(who.profile.text, e.side->text)) : std::nullopt;
        const Hit h{blended_score(answers, trait_part(traits_dot), text_dot), e.id};
        // Exclusions are looked up only for what would enter the best n (few).
        if (top.wants(h) && *e.id != who.user_id && !excluded.count(*e.id)) top.offer(h);
      }
    }
  }
};

std::vector<Candidate> CandidateIndex::best(const IndexedUser& who, const std::unordered_set<std::string>& excluded,
                                            std::size_t n, SearchStats* stats) const {
  std::shared_lock lock(mutex_);
  const auto segments = segments_for(who.facts);
  std::size_t total = 0;
  for (const Segment* s : segments) total += s->size();
  const QuerySide side(layout_, who.profile.answers);

  // Work items (segment, begin, end), cut in two halves of equal size when the query is split.
  const unsigned threads = total >= options_.split_at ? std::max(1u, std::min(options_.threads, 2u)) : 1u;
  std::vector<Scan> scans;
  scans.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) scans.push_back(Scan{*this, who, excluded, side, TopN{n, {}}, {}});
  const std::size_t half = (total + 1) / 2;
  auto run = [&](unsigned part) {
    std::size_t at = 0;  // users before the current segment
    const std::size_t lo = threads == 1 ? 0 : part * half, hi = threads == 1 ? total : std::min(total, lo + half);
    for (const Segment* s : segments) {
      const std::size_t b = std::max(lo, at), e = std::min(hi, at + s->size());
      if (b < e) scans[part].segment(*s, b - at, e - at);
      at += s->size();
    }
  };
  if (threads == 2) {
    std::thread other(run, 1u);
    run(0);
    other.join();
  } else {
    run(0);
  }

  TopN top{n, {}};
  SearchStats st;
  for (const auto& scan : scans) {
    for (const Hit& h : scan.top.heap) top.offer(h);
    st.examined += scan.stats.examined;
    st.scored += scan.stats.scored;
  }
  if (stats) *stats = st;
  std::ranges::sort(top.heap, better);
  // The winners get the full score (attributes and parts) of score_pair: the same total.
  std::vector<Candidate> out;
  out.reserve(top.heap.size());
  for (const Hit& h : top.heap) {
    IndexedUser other = entry(by_id_.at(*h.id));
    out.push_back({other.user_id, score_pair(*bank_, who.profile, other.profile)});
  }
  return out;
}

std::size_t CandidateIndex::memory_bytes() const {
  std::shared_lock lock(mutex_);
  std::size_t bytes = 0;
  for (const auto& s : segments_) {
    bytes += sizeof(Segment) + s->state.capacity() + 3 * sizeof(std::int16_t) * s->age.capacity() +
             2 * sizeof(float) * s->lat.capacity() + sizeof(std::int32_t) * s->limit.capacity() +
             sizeof(UnitVector) * s->point.capacity() + sizeof(ChordBounds) * s->reach.capacity() + s->rows.capacity() +
             sizeof(CompactAnswer) * s->wide.capacity() + sizeof(float) * s->traits.capacity() +
             sizeof(Segment::Extra) * s->extra.capacity();
    for (const auto& e : s->extra)
      if (e.side) bytes += sizeof(Side) + sizeof(float) * (e.side->traits.capacity() + e.side->text.capacity());
  }
  // The id map: a node (the pair, the next pointer, the cached hash) and the id's own buffer
  // when it does not fit the string's inline storage, plus the bucket array.
  for (const auto& [id, _] : by_id_)
    bytes += sizeof(std::pair<const std::string, Location>) + 2 * sizeof(void*) +
             (id.capacity() > 15 ? id.capacity() + 1 : 0);
  bytes += by_id_.bucket_count() * sizeof(void*) + segment_by_key_.size() * 48 + segments_in_cell_.size() * 64 +
           limits_.size() * 48;
  return bytes;
}

}  // namespace pm::matching
