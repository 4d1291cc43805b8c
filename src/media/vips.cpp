#include "media/vips.hpp"

#include "core/log.hpp"

namespace pm::media::vips {

namespace {

void log_handler(const gchar* domain, GLogLevelFlags, const gchar* message, gpointer) {
  // Warnings about a bad upload ("Corrupt JPEG data") are expected: debug, and as JSON like every log line.
  log::debug("libvips", {{"domain", domain ? domain : ""}, {"message", message ? message : ""}});
}

}  // namespace

Result<void> init() {
  static const bool started = [] {
    if (VIPS_INIT("perfectmatch") != 0) {
      log::error("libvips-init-failed", {{"error", take_error()}});
      return false;
    }
    vips_concurrency_set(1);
    // Uploads are all different, so caching buys little; keep it small and bounded.
    vips_cache_set_max(16);
    vips_cache_set_max_mem(32 << 20);
    vips_cache_set_max_files(8);
    vips_block_untrusted_set(TRUE);
    g_log_set_handler("VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO),
                      log_handler, nullptr);
    return true;
  }();
  if (!started) return std::unexpected(Problem("image-processing-unavailable", "the image library failed to start"));
  return {};
}

std::string take_error() {
  // The copy-and-clear is one locked step, so another thread's error is not half lost.
  Buffer copy(vips_error_buffer_copy());
  std::string text = copy ? static_cast<const char*>(copy.get()) : "";
  if (text.size() > 500) text.resize(500);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string loader_for(const void* data, std::size_t size) {
  const char* name = vips_foreign_find_load_buffer(data, size);
  if (!name) {
    vips_error_clear();  // "not a known format" is an answer here, not an error to keep
    return {};
  }
  return name;
}

bool can_load_heif() { return vips_type_find("VipsOperation", "heifload_buffer") != 0; }

}  // namespace pm::media::vips
