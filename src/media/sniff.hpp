#pragma once
// What an image is, from its first bytes (magic numbers), before any decoder sees it.

#include <optional>
#include <string_view>

namespace pm::media {

enum class ImageType { jpeg, png, webp, heic };

std::optional<ImageType> sniff_image_type(std::string_view bytes);
std::string_view mime_type(ImageType type);

}  // namespace pm::media
