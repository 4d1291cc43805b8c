#pragma once
// libvips for the rest of src/media: started once for a server, owned images, errors as text.

#include <memory>
#include <string>

#include <vips/vips.h>

#include "core/problem.hpp"

namespace pm::media::vips {

// Starts libvips once per process: one worker thread per image (requests already run in parallel
// on the handler threads), a small operation cache, and the loaders libvips marks untrusted
// (ImageMagick, PDF, SVG, ...) blocked. libvips' own warnings become debug log lines.
// 503 "image-processing-unavailable" if it cannot start.
Result<void> init();

struct Unref {
  void operator()(VipsImage* image) const {
    if (image) g_object_unref(image);
  }
};
using Image = std::unique_ptr<VipsImage, Unref>;

struct GFree {
  void operator()(void* p) const { g_free(p); }
};
using Buffer = std::unique_ptr<void, GFree>;

// The text libvips left in its (process-wide) error buffer, which it then clears; for logs only.
std::string take_error();

// The name of the loader libvips would pick for these bytes ("VipsForeignLoadJpegBuffer"), or empty.
std::string loader_for(const void* data, std::size_t size);
// Whether this libvips has the HEIF loader (Debian's is built with libheif; others may not be).
bool can_load_heif();

}  // namespace pm::media::vips
