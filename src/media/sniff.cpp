#include "media/sniff.hpp"

#include <array>

namespace pm::media {

namespace {

bool starts_with(std::string_view bytes, std::string_view magic) { return bytes.substr(0, magic.size()) == magic; }

// HEIF brands that mean HEVC-coded images (HEIC). AVIF ("avif", "avis") is another codec in the
// same container and is not accepted.
bool heic_brand(std::string_view brand) {
  static constexpr std::array<std::string_view, 6> brands = {"heic", "heix", "heim", "heis", "hevc", "hevx"};
  for (auto b : brands)
    if (brand == b) return true;
  return false;
}

// ISO base media file: a first box "ftyp" with a major brand, a minor version and compatible brands.
bool is_heic(std::string_view bytes) {
  if (bytes.size() < 16 || bytes.substr(4, 4) != "ftyp") return false;
  auto u8 = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
  std::size_t box = (u8(0) << 24) | (u8(1) << 16) | (u8(2) << 8) | u8(3);
  if (box < 16 || box > bytes.size()) return false;
  auto major = bytes.substr(8, 4);
  if (heic_brand(major)) return true;
  // A generic major brand ("mif1", "msf1") with HEIC among the compatible ones.
  if (major != "mif1" && major != "msf1") return false;
  for (std::size_t at = 16; at + 4 <= box; at += 4)
    if (heic_brand(bytes.substr(at, 4))) return true;
  return false;
}

}  // namespace

std::optional<ImageType> sniff_image_type(std::string_view bytes) {
  using namespace std::literals;
  if (starts_with(bytes, "\xFF\xD8\xFF"sv)) return ImageType::jpeg;
  if (starts_with(bytes, "\x89PNG\r\n\x1A\n"sv)) return ImageType::png;
  if (bytes.size() >= 12 && starts_with(bytes, "RIFF"sv) && bytes.substr(8, 4) == "WEBP") return ImageType::webp;
  if (is_heic(bytes)) return ImageType::heic;
  return std::nullopt;
}

std::string_view mime_type(ImageType type) {
  switch (type) {
    case ImageType::jpeg:
      return "image/jpeg";
    case ImageType::png:
      return "image/png";
    case ImageType::webp:
      return "image/webp";
    case ImageType::heic:
      return "image/heic";
  }
  return "application/octet-stream";
}

}  // namespace pm::media
