#include "demo/photo.hpp"

#include <array>
#include <cmath>
#include <numbers>

#include "media/vips.hpp"

namespace pm::demo {

namespace {

using Rgb = std::array<double, 3>;

// A colour from hue (degrees), saturation and value in [0, 1].
Rgb hsv(double hue, double s, double v) {
  hue = std::fmod(hue, 360.0);
  if (hue < 0) hue += 360;
  double c = v * s, x = c * (1 - std::abs(std::fmod(hue / 60, 2.0) - 1)), m = v - c;
  Rgb rgb;
  switch (static_cast<int>(hue / 60)) {
    case 0:
      rgb = {c, x, 0};
      break;
    case 1:
      rgb = {x, c, 0};
      break;
    case 2:
      rgb = {0, c, x};
      break;
    case 3:
      rgb = {0, x, c};
      break;
    case 4:
      rgb = {x, 0, c};
      break;
    default:
      rgb = {c, 0, x};
      break;
  }
  for (auto& channel : rgb) channel = 255 * (channel + m);
  return rgb;
}

Problem failed() {
  // The details are libvips internals: for the log of the operator running the seed.
  return Problem("image-processing-unavailable", "generating a placeholder photo failed: " + media::vips::take_error());
}

}  // namespace

Result<std::string> placeholder_photo(Rng& rng, int width, int height) {
  PM_TRY(media::vips::init());
  const double hue = rng.uniform(0, 360);
  const Rgb from = hsv(hue, rng.uniform(0.35, 0.7), rng.uniform(0.6, 0.95));
  const Rgb to = hsv(hue + rng.uniform(30, 110), rng.uniform(0.35, 0.75), rng.uniform(0.35, 0.8));

  // t in [0, 1] along a random direction: the mean of the two bands (a x + b0, c y + b1) of vips_xyz.
  VipsImage* out = nullptr;
  if (vips_xyz(&out, width, height, nullptr)) return std::unexpected(failed());
  media::vips::Image xy(out);
  const double angle = rng.uniform(0, 2 * std::numbers::pi), cx = std::cos(angle), cy = std::sin(angle);
  const double lowest = std::min(0.0, cx * (width - 1)) + std::min(0.0, cy * (height - 1));
  const double range = std::abs(cx) * (width - 1) + std::abs(cy) * (height - 1);
  const double scale[] = {2 * cx / range, 2 * cy / range}, offset[] = {-2 * lowest / range, 0};
  if (vips_linear(xy.get(), &out, scale, offset, 2, nullptr)) return std::unexpected(failed());
  media::vips::Image projected(out);
  if (vips_bandmean(projected.get(), &out, nullptr)) return std::unexpected(failed());
  media::vips::Image t(out);

  // One band in, three out: each colour channel runs from `from` to `to` along t.
  const double span[] = {to[0] - from[0], to[1] - from[1], to[2] - from[2]};
  if (vips_linear(t.get(), &out, span, from.data(), 3, nullptr)) return std::unexpected(failed());
  media::vips::Image gradient(out);
  if (vips_cast_uchar(gradient.get(), &out, nullptr)) return std::unexpected(failed());
  media::vips::Image bytes(out);
  if (vips_copy(bytes.get(), &out, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr))
    return std::unexpected(failed());
  media::vips::Image srgb(out);
  // Drawing writes in place, so into a copy in memory.
  media::vips::Image canvas(vips_image_copy_memory(srgb.get()));
  if (!canvas) return std::unexpected(failed());

  const int shapes = rng.integer(2, 6);
  for (int i = 0; i < shapes; ++i) {
    Rgb ink = hsv(hue + rng.uniform(120, 240), rng.uniform(0.2, 0.6), rng.uniform(0.5, 1.0));
    int failed_draw;
    if (rng.chance(0.7)) {
      int radius = rng.integer(width / 16, width / 4);
      failed_draw = vips_draw_circle(canvas.get(), ink.data(), 3, rng.integer(0, width - 1), rng.integer(0, height - 1),
                                     radius, "fill", TRUE, nullptr);
    } else {
      int w = rng.integer(width / 8, width / 2), h = rng.integer(height / 10, height / 3);
      failed_draw = vips_draw_rect(canvas.get(), ink.data(), 3, rng.integer(0, width - w), rng.integer(0, height - h),
                                   w, h, "fill", TRUE, nullptr);
    }
    if (failed_draw) return std::unexpected(failed());
  }

  void* data = nullptr;
  std::size_t size = 0;
  if (vips_jpegsave_buffer(canvas.get(), &data, &size, "Q", 85, nullptr)) return std::unexpected(failed());
  media::vips::Buffer owned(data);
  return std::string(static_cast<const char*>(data), size);
}

}  // namespace pm::demo
