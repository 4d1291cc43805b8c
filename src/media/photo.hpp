#pragma once
// Photo uploads: validate untrusted bytes, then make the two JPEGs the service keeps (a display
// size and a thumbnail), upright and with no metadata at all (no EXIF, GPS, XMP, IPTC, ICC or
// comments). The type is decided by the bytes, never by a file name or a Content-Type.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/problem.hpp"

namespace pm::media {

struct PhotoLimits {
  std::size_t max_bytes = 10 << 20;
  std::uint64_t max_pixels = 40'000'000;  // width x height from the header, checked before any decoding
  // Each side, too: a PNG of 10,000,000 x 4 pixels passes max_pixels, and decodes a row (80 MB at
  // 16-bit RGBA) at a time. (The largest phone cameras' long side is ~8,200.)
  std::uint64_t max_edge = 12'000;
  int display_edge = 1080;  // longest edge of the display JPEG (never enlarged)
  int thumb_edge = 320;     // longest edge of the thumbnail JPEG (never enlarged)
};

struct ProcessedPhoto {
  std::string display_jpeg;
  std::string thumb_jpeg;
  int width;  // of display_jpeg, after EXIF rotation
  int height;
  std::string source_type;  // "image/jpeg" | "image/png" | "image/webp" | "image/heic"
};

// Problems: 413 "image-too-large" (over max_bytes), 415 "unsupported-image-type" (not JPEG,
// PNG, WebP, or HEIC where this libvips can read it), 422 "image-dimensions-too-large" (header
// over max_pixels: refused before a pixel is decoded), 422 "image-unreadable" (truncated or
// corrupt), 503 "image-processing-unavailable" (libvips failed to start). Thread-safe.
// The rate limit key of one user's image uploads (profile photos and chat images share one budget,
// PM_UPLOAD_LIMIT_PER_HOUR): each upload is a decode and a re-encode, the costly part.
inline std::string upload_limit_key(const std::string& user_id) { return "ratelimit:uploads:" + user_id; }

Result<ProcessedPhoto> process_photo(std::string_view bytes, const PhotoLimits& limits = {});

}  // namespace pm::media
