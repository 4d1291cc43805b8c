#include "matching/rendered_pages.hpp"

namespace pm::matching {

std::optional<RenderedPages::Kept> RenderedPages::find(const UserId& viewer, int limit,
                                                       std::chrono::seconds max_age) const {
  std::lock_guard lock(mutex_);
  auto it = pages_.find(viewer);
  if (it == pages_.end() || it->second.page->limit != limit ||
      std::chrono::steady_clock::now() - it->second.page->rendered_at > max_age)
    return std::nullopt;
  return it->second;
}

void RenderedPages::keep(const UserId& viewer, Kept kept) {
  const std::size_t bytes = size_of(*kept.page);
  std::lock_guard lock(mutex_);
  if (auto it = pages_.find(viewer); it != pages_.end()) {
    bytes_ -= size_of(*it->second.page);
    pages_.erase(it);
  }
  if (bytes_ + bytes > kMaxBytes) {
    pages_.clear();
    bytes_ = 0;
  }
  bytes_ += bytes;
  pages_.emplace(viewer, std::move(kept));
}

void RenderedPages::confirm(const UserId& viewer, const std::shared_ptr<const Page>& page,
                            std::optional<cache::KeyInvalidations::Mark> mark) {
  std::lock_guard lock(mutex_);
  auto it = pages_.find(viewer);
  if (it != pages_.end() && it->second.page == page) it->second.mark = mark;
}

std::size_t RenderedPages::size_of(const Page& page) {
  std::size_t bytes = sizeof(Page) + page.json.size() + page.snapshot.recent.size();
  for (const auto& id : page.snapshot.ids) bytes += sizeof(MatchId) + id.str().size();
  for (const auto& preview : page.snapshot.previews) bytes += sizeof(std::string) + preview.size();
  bytes += page.snapshot.key_hashes.size() * sizeof(std::size_t);
  return bytes;
}

}  // namespace pm::matching
