#include "reference_index.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

#include <hnswlib/hnswlib.h>

namespace pm::bench {

namespace {

constexpr std::array<std::uint8_t, 3> kGenderBits = {kWoman, kMan, kNonBinary};

int gender_slot(std::uint8_t bit) {
  for (std::size_t i = 0; i < kGenderBits.size(); ++i)
    if (kGenderBits[i] == bit) return static_cast<int>(i);
  return -1;
}

// Best first; ties on user id so equal scores always come out in the same order.
bool better(const Candidate& a, const Candidate& b) {
  return a.score.score != b.score.score ? a.score.score > b.score.score : a.user_id < b.user_id;
}

// Keeps the best n of what it is offered (a min-heap on `better`).
struct TopN {
  std::size_t n;
  std::vector<Candidate> heap;
  void offer(Candidate c) {
    if (n == 0) return;
    if (heap.size() < n) {
      heap.push_back(std::move(c));
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (better(c, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = std::move(c);
      std::push_heap(heap.begin(), heap.end(), better);
    }
  }
  std::vector<Candidate> sorted() && {
    std::ranges::sort(heap, better);
    return std::move(heap);
  }
};

}  // namespace

// One HNSW graph (inner product on unit vectors = cosine) over distinct vectors; labels are buckets.
struct ReferenceIndex::Graph {
  hnswlib::InnerProductSpace space;
  std::size_t dim;
  hnswlib::HierarchicalNSW<float> hnsw;
  Graph(std::size_t d, const ReferenceOptions& o)
      : space(d), dim(d), hnsw(&space, 1024, o.hnsw_m, o.hnsw_ef_construction, 42) {
    hnsw.setEf(64);
  }
  void add(const std::vector<float>& v, std::uint32_t bucket) {
    if (hnsw.cur_element_count >= hnsw.max_elements_) hnsw.resizeIndex(hnsw.max_elements_ * 2);
    hnsw.addPoint(v.data(), bucket);
  }
};

ReferenceIndex::ReferenceIndex(std::shared_ptr<const ScoringBank> bank, ReferenceOptions options)
    : bank_(std::move(bank)), options_(options), frequencies_(*bank_) {
  graphs_.resize(kGenderBits.size());
}

ReferenceIndex::~ReferenceIndex() = default;

ReferenceIndex::Cell ReferenceIndex::cell_of(float lat, float lon) {
  // 1 degree cells: about 111 km north-south, less east-west away from the equator.
  int la = std::clamp(static_cast<int>(std::floor(lat)) + 90, 0, 179);
  int lo = (static_cast<int>(std::floor(lon)) + 180 + 360) % 360;
  return la * 360 + lo;
}

std::vector<ReferenceIndex::Cell> ReferenceIndex::cells_within(const Facts& who) const {
  std::vector<Cell> out;
  if (who.max_distance_km <= 0 || !who.located) {
    for (const auto& [cell, _] : grid_) out.push_back(cell);
    return out;
  }
  const double dlat = who.max_distance_km / 111.0 + 1e-6;
  const double coslat = std::cos(std::min(89.0, std::abs(double(who.lat)) + dlat) * 3.14159265358979323846 / 180);
  const double dlon = std::min(180.0, who.max_distance_km / (111.0 * std::max(coslat, 0.01)));
  const int la0 = static_cast<int>(std::floor(who.lat - dlat)), la1 = static_cast<int>(std::floor(who.lat + dlat));
  const int lo0 = static_cast<int>(std::floor(who.lon - dlon)), lo1 = static_cast<int>(std::floor(who.lon + dlon));
  std::unordered_set<Cell> seen;
  for (int la = std::max(la0, -90); la <= std::min(la1, 89); ++la)
    for (int lo = lo0; lo <= lo1 && lo < lo0 + 360; ++lo) {
      Cell c = cell_of(static_cast<float>(la) + 0.5f, static_cast<float>(lo) + 0.5f);
      if (grid_.count(c) && seen.insert(c).second) out.push_back(c);
    }
  return out;
}

void ReferenceIndex::unlink(std::uint32_t slot) {
  IndexedUser& e = entries_[slot];
  auto& cell = grid_[e.facts.located ? cell_of(e.facts.lat, e.facts.lon) : kNowhere];
  if (auto it = std::ranges::find(cell, slot); it != cell.end()) {
    *it = cell.back();
    cell.pop_back();
  }
  auto& bucket = buckets_[bucket_of_[slot]].slots;
  if (auto it = std::ranges::find(bucket, slot); it != bucket.end()) {
    *it = bucket.back();
    bucket.pop_back();
  }
  slot_by_id_.erase(e.user_id);
  frequencies_.count(e.profile.answers, -1);
  e = IndexedUser{};
  free_.push_back(slot);
}

void ReferenceIndex::upsert(IndexedUser user) {
  std::unique_lock lock(mutex_);
  if (auto it = slot_by_id_.find(user.user_id); it != slot_by_id_.end()) unlink(it->second);
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
    bucket_of_.push_back(0);
  }
  // Identical (gender, vector) pairs share a bucket and one point in the graph.
  const auto& v = user.profile.traits;
  std::string key(1, static_cast<char>(user.facts.gender));
  key.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  auto [bucket_it, fresh] = bucket_by_vector_.try_emplace(std::move(key), static_cast<std::uint32_t>(buckets_.size()));
  if (fresh) {
    buckets_.emplace_back();
    int g = gender_slot(user.facts.gender);
    if (g >= 0 && !v.empty() && options_.graph) {
      if (!graphs_[g]) graphs_[g] = std::make_unique<Graph>(v.size(), options_);
      if (graphs_[g]->dim == v.size()) graphs_[g]->add(v, bucket_it->second);
    }
  }
  buckets_[bucket_it->second].slots.push_back(slot);
  bucket_of_[slot] = bucket_it->second;
  grid_[user.facts.located ? cell_of(user.facts.lat, user.facts.lon) : kNowhere].push_back(slot);
  slot_by_id_[user.user_id] = slot;
  frequencies_.count(user.profile.answers);
  entries_[slot] = std::move(user);
}

void ReferenceIndex::remove(const std::string& user_id) {
  std::unique_lock lock(mutex_);
  if (auto it = slot_by_id_.find(user_id); it != slot_by_id_.end()) unlink(it->second);
}

std::size_t ReferenceIndex::size() const {
  std::shared_lock lock(mutex_);
  return slot_by_id_.size();
}

std::size_t ReferenceIndex::distinct_vectors() const {
  std::shared_lock lock(mutex_);
  return buckets_.size();
}

AnswerFrequencies ReferenceIndex::answer_frequencies() const {
  std::shared_lock lock(mutex_);
  return frequencies_;
}

std::optional<IndexedUser> ReferenceIndex::find(const std::string& user_id) const {
  std::shared_lock lock(mutex_);
  auto it = slot_by_id_.find(user_id);
  if (it == slot_by_id_.end()) return std::nullopt;
  return entries_[it->second];
}

bool ReferenceIndex::eligible(const IndexedUser& who, std::uint32_t slot,
                              const std::unordered_set<std::string>& excluded) const {
  const IndexedUser& e = entries_[slot];
  return !e.user_id.empty() && e.user_id != who.user_id && passes_filters(who.facts, e.facts) &&
         !excluded.count(e.user_id);
}

std::vector<Candidate> ReferenceIndex::best(const IndexedUser& who, const std::unordered_set<std::string>& excluded,
                                            std::size_t n, SearchPath path, ReferenceStats* stats) const {
  std::shared_lock lock(mutex_);
  ReferenceStats local;
  ReferenceStats& st = stats ? *stats : local;
  st = {};
  auto cells = cells_within(who.facts);
  std::size_t preselected = 0;
  for (Cell c : cells) preselected += grid_.at(c).size();
  if (path == SearchPath::automatic)
    path = preselected <= options_.exact_threshold ? SearchPath::exact : SearchPath::ann;
  st.path = path;

  TopN top{n, {}};
  auto consider = [&](std::uint32_t slot) {
    ++st.examined;
    if (!eligible(who, slot, excluded)) return false;
    ++st.scored;
    PairScore s = score_pair(*bank_, who.profile, entries_[slot].profile);
    if (!s.excluded()) top.offer({entries_[slot].user_id, s});
    return true;
  };

  if (path == SearchPath::exact) {
    for (Cell c : cells)
      for (std::uint32_t slot : grid_.at(c)) consider(slot);
    return std::move(top).sorted();
  }

  // ANN: the users most similar to `who` among each gender they seek, until `pool` pass the filters.
  std::unordered_set<std::uint32_t> seen_buckets;
  for (std::size_t g = 0; g < kGenderBits.size(); ++g) {
    const Graph* graph = graphs_[g].get();
    if (!(who.facts.seeking & kGenderBits[g]) || !graph || graph->dim != who.profile.traits.size()) continue;
    const std::size_t total = graph->hnsw.cur_element_count;
    std::size_t accepted = 0;
    for (std::size_t k = std::min(total, std::max<std::size_t>(options_.pool, 64)); accepted < options_.pool;) {
      auto found = graph->hnsw.searchKnnCloserFirst(who.profile.traits.data(), k);
      for (const auto& [distance, bucket] : found) {
        if (!seen_buckets.insert(static_cast<std::uint32_t>(bucket)).second) continue;
        for (std::uint32_t slot : buckets_[bucket].slots)
          if (consider(slot)) ++accepted;
      }
      if (k >= total) break;
      k = std::min(total, k * 4);
    }
  }
  return std::move(top).sorted();
}

std::size_t ReferenceIndex::memory_bytes() const {
  std::shared_lock lock(mutex_);
  std::size_t bytes = entries_.capacity() * (sizeof(IndexedUser) + 2 * sizeof(std::uint32_t));
  for (const auto& e : entries_)
    bytes += e.profile.answers.capacity() * sizeof(CompactAnswer) +
             (e.profile.traits.capacity() + e.profile.text.capacity()) * sizeof(float) + e.user_id.capacity();
  for (const auto& [cell, slots] : grid_) bytes += slots.capacity() * sizeof(std::uint32_t);
  for (const auto& b : buckets_) bytes += sizeof(Bucket) + b.slots.capacity() * sizeof(std::uint32_t);
  bytes += bucket_by_vector_.size() * (64 + sizeof(float) * (entries_.empty() ? 0 : entries_[0].profile.traits.size()));
  bytes += slot_by_id_.size() * 80;
  for (const auto& g : graphs_)
    if (g) bytes += g->hnsw.max_elements_ * (g->hnsw.size_data_per_element_ + sizeof(void*) + sizeof(int));
  return bytes;
}

}  // namespace pm::bench
