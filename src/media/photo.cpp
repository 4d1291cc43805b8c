#include "media/photo.hpp"

#include <chrono>
#include <semaphore>

#include <fmt/format.h>

#include "core/log.hpp"
#include "core/scope_exit.hpp"
#include "media/sniff.hpp"
#include "media/vips.hpp"

namespace pm::media {

namespace {

Problem unreadable(std::string_view step, ImageType type) {
  // libvips' message may mention internals; the client gets a plain detail, the log the rest.
  log::debug("media-image-unreadable", {{"step", step}, {"type", mime_type(type)}, {"error", vips::take_error()}});
  return Problem("image-unreadable", fmt::format("the {} data is truncated or corrupt", mime_type(type)));
}

// The loader that must read each type: vips picks by the same magic bytes, and checking its
// choice keeps every other loader (and any polyglot file) out.
bool expected_loader(ImageType type, std::string_view loader) {
  switch (type) {
    case ImageType::jpeg:
      return loader == "VipsForeignLoadJpegBuffer";
    // libvips builds with libspng name their PNG loader after it.
    case ImageType::png:
      return loader == "VipsForeignLoadPngBuffer" || loader == "VipsForeignLoadSpngBuffer";
    case ImageType::webp:
      return loader == "VipsForeignLoadWebpBuffer";
    case ImageType::heic:
      return loader == "VipsForeignLoadHeifBuffer";
  }
  return false;
}

// Opens the image lazily (the header only) with the loader for its type.
Result<vips::Image> open_header(std::string_view bytes, ImageType type) {
  VipsImage* out = nullptr;
  auto* data = const_cast<char*>(bytes.data());  // libvips only reads it
  int failed = 0;
  switch (type) {
    case ImageType::jpeg:
      failed = vips_jpegload_buffer(data, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                    VIPS_FAIL_ON_ERROR, nullptr);
      break;
    case ImageType::png:
      failed = vips_pngload_buffer(data, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                   VIPS_FAIL_ON_ERROR, nullptr);
      break;
    case ImageType::webp:
      failed = vips_webpload_buffer(data, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                    VIPS_FAIL_ON_ERROR, nullptr);
      break;
    case ImageType::heic:
      failed = vips_heifload_buffer(data, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                    VIPS_FAIL_ON_ERROR, nullptr);
      break;
  }
  vips::Image image(out);
  if (failed || !image) return std::unexpected(unreadable("header", type));
  return image;
}

// sRGB, 8 bits, no alpha (flattened on white): what a JPEG can hold and every browser shows alike.
Result<vips::Image> to_opaque_srgb(vips::Image in, ImageType type) {
  VipsImage* out = nullptr;
  if (vips_colourspace(in.get(), &out, VIPS_INTERPRETATION_sRGB, nullptr))
    return std::unexpected(unreadable("colour", type));
  vips::Image srgb(out);
  if (!vips_image_hasalpha(srgb.get())) return srgb;
  double white[] = {255, 255, 255};
  VipsArrayDouble* background = vips_array_double_new(white, 3);
  int failed = vips_flatten(srgb.get(), &out, "background", background, nullptr);
  vips_area_unref(VIPS_AREA(background));
  if (failed) return std::unexpected(unreadable("flatten", type));
  return vips::Image(out);
}

Result<std::string> encode_jpeg(VipsImage* image, ImageType type) {
  void* data = nullptr;
  std::size_t size = 0;
  // strip: no EXIF, XMP, IPTC, ICC profile or comment is written, whatever the input carried.
  if (vips_jpegsave_buffer(image, &data, &size, "Q", 85, "strip", TRUE, "optimize_coding", TRUE, nullptr))
    return std::unexpected(unreadable("encode", type));
  vips::Buffer owned(data);
  return std::string(static_cast<const char*>(data), size);
}

}  // namespace

Result<ProcessedPhoto> process_photo(std::string_view bytes, const PhotoLimits& limits) {
  if (bytes.size() > limits.max_bytes)
    return std::unexpected(Problem("image-too-large", fmt::format("the image is {} bytes; at most {} are accepted",
                                                                  bytes.size(), limits.max_bytes)));

  auto type = sniff_image_type(bytes);
  if (!type)
    return std::unexpected(Problem("unsupported-image-type", "the data is not a JPEG, PNG, WebP or HEIC image"));
  PM_TRY(vips::init());
  if (*type == ImageType::heic && !vips::can_load_heif())
    return std::unexpected(
        Problem("unsupported-image-type", "HEIC images are not supported by this server: send a JPEG, PNG or WebP"));
  if (!expected_loader(*type, vips::loader_for(bytes.data(), bytes.size())))
    return std::unexpected(unreadable("loader", *type));

  // Decompression bombs: a few bytes can claim billions of pixels. The header says how many;
  // nothing is decoded before this check.
  auto header = PM_TRY(open_header(bytes, *type));
  auto width = static_cast<std::uint64_t>(vips_image_get_width(header.get()));
  auto height = static_cast<std::uint64_t>(vips_image_get_height(header.get()));
  if (width == 0 || height == 0) return std::unexpected(unreadable("header", *type));
  if (width * height > limits.max_pixels)
    return std::unexpected(Problem(
        "image-dimensions-too-large",
        fmt::format("the image is {}x{} pixels; at most {} pixels are accepted", width, height, limits.max_pixels)));
  if (width > limits.max_edge || height > limits.max_edge)
    return std::unexpected(
        Problem("image-dimensions-too-large",
                fmt::format("the image is {}x{} pixels; a side may have at most {}", width, height, limits.max_edge)));
  header.reset();

  // A decode holds up to a few hundred MB (a large progressive JPEG keeps every coefficient):
  // two at a time per process, whoever sends them, and more than two cores would not make them
  // faster. A request waits a while for its turn, then is told to try again.
  static std::counting_semaphore<64> decoding(2);
  if (!decoding.try_acquire_for(std::chrono::seconds(10)))
    return std::unexpected(
        Problem("image-processing-unavailable", "the server is processing other images; try again in a moment"));
  const ScopeExit turn([] { decoding.release(); });

  // Decode, shrinking while loading where the format allows (JPEG), rotate upright by the EXIF
  // orientation, and fit within the display box.
  // fail_on goes to the loader through option_string: libvips 8.14 ignores thumbnail's own
  // fail_on argument, and a truncated JPEG would then come out padded with grey.
  VipsImage* out = nullptr;
  if (vips_thumbnail_buffer(const_cast<char*>(bytes.data()), bytes.size(), &out, limits.display_edge, "height",
                            limits.display_edge, "size", VIPS_SIZE_DOWN, "option_string", "fail_on=error", nullptr))
    return std::unexpected(unreadable("decode", *type));
  auto display = PM_TRY(to_opaque_srgb(vips::Image(out), *type));

  // Render once into memory: both JPEGs are made from these pixels, and a truncated file fails here.
  vips::Image pixels(vips_image_copy_memory(display.get()));
  if (!pixels) return std::unexpected(unreadable("decode", *type));

  ProcessedPhoto photo{.width = vips_image_get_width(pixels.get()),
                       .height = vips_image_get_height(pixels.get()),
                       .source_type = std::string(mime_type(*type))};
  photo.display_jpeg = PM_TRY(encode_jpeg(pixels.get(), *type));

  if (vips_thumbnail_image(pixels.get(), &out, limits.thumb_edge, "height", limits.thumb_edge, "size", VIPS_SIZE_DOWN,
                           nullptr))
    return std::unexpected(unreadable("thumbnail", *type));
  vips::Image thumb(out);
  photo.thumb_jpeg = PM_TRY(encode_jpeg(thumb.get(), *type));
  return photo;
}

}  // namespace pm::media
