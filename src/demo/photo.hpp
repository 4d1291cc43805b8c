#pragma once
// Placeholder profile photos for demo users: a two-colour gradient with a few soft shapes,
// colours drawn per user, made with libvips and encoded as JPEG. They are uploaded through
// profiles::Photos like any real photo, so they are checked and re-encoded the same way.

#include <string>

#include "core/problem.hpp"
#include "demo/random.hpp"

namespace pm::demo {

// JPEG bytes of a `width` x `height` picture; 503 "image-processing-unavailable" if libvips fails.
Result<std::string> placeholder_photo(Rng& rng, int width = 600, int height = 800);

}  // namespace pm::demo
