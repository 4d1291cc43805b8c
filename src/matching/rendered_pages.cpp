#include "matching/rendered_pages.hpp"

namespace pm::matching {

std::shared_ptr<const RenderedPages::Page> RenderedPages::find(const UserId& viewer, int limit,
                                                               std::chrono::seconds max_age) const {
  std::lock_guard lock(mutex_);
  auto it = pages_.find(viewer);
  if (it == pages_.end() || it->second->limit != limit ||
      std::chrono::steady_clock::now() - it->second->rendered_at > max_age)
    return nullptr;
  return it->second;
}

void RenderedPages::keep(const UserId& viewer, std::shared_ptr<const Page> page) {
  const std::size_t bytes = size_of(*page);
  std::lock_guard lock(mutex_);
  if (auto it = pages_.find(viewer); it != pages_.end()) {
    bytes_ -= size_of(*it->second);
    pages_.erase(it);
  }
  if (bytes_ + bytes > kMaxBytes) {
    pages_.clear();
    bytes_ = 0;
  }
  bytes_ += bytes;
  pages_.emplace(viewer, std::move(page));
}

std::size_t RenderedPages::size_of(const Page& page) {
  std::size_t bytes = sizeof(Page) + page.json.size() + page.snapshot.recent.size();
  for (const auto& id : page.snapshot.ids) bytes += sizeof(MatchId) + id.str().size();
  for (const auto& preview : page.snapshot.previews) bytes += sizeof(std::string) + preview.size();
  return bytes;
}

}  // namespace pm::matching
