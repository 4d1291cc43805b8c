// Photo validation and processing on real images: fixtures made with cjpeg and exiftool
// (tests/fixtures/make-fixtures.sh) and images this test encodes with libvips itself.

#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <vips/vips.h>

#include "media/photo.hpp"
#include "media/sniff.hpp"
#include "media/vips.hpp"
#include "support/fixtures.hpp"

using namespace pm;
using namespace pm::media;

namespace {

struct Rgb {
  unsigned char r, g, b;
};

// A w x h image, `bands` 3 (RGB) or 4 (RGBA), from a pixel function.
template <class F>
vips::Image make_image(int w, int h, int bands, F pixel) {
  std::vector<unsigned char> data(static_cast<std::size_t>(w) * h * bands);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      Rgb p = pixel(x, y);
      auto* at = &data[(static_cast<std::size_t>(y) * w + x) * bands];
      at[0] = p.r;
      at[1] = p.g;
      at[2] = p.b;
      if (bands == 4) at[3] = x < w / 2 ? 0 : 255;  // left half transparent
    }
  vips::Image image(vips_image_new_from_memory_copy(data.data(), data.size(), w, h, bands, VIPS_FORMAT_UCHAR));
  if (!image) throw std::runtime_error("vips_image_new_from_memory_copy failed");
  return image;
}

vips::Image gradient(int w, int h, int bands = 3) {
  return make_image(w, h, bands, [&](int x, int y) {
    return Rgb{static_cast<unsigned char>(x * 255 / w), static_cast<unsigned char>(y * 255 / h), 128};
  });
}

vips::Image noise(int w, int h) {
  std::mt19937 rng(42);
  return make_image(w, h, 3, [&](int, int) {
    return Rgb{static_cast<unsigned char>(rng()), static_cast<unsigned char>(rng()), static_cast<unsigned char>(rng())};
  });
}

enum class Format { jpeg, png, webp, heic };

std::string encode(VipsImage* image, Format format) {
  void* data = nullptr;
  std::size_t size = 0;
  int failed = 0;
  switch (format) {
    case Format::jpeg:
      failed = vips_jpegsave_buffer(image, &data, &size, "Q", 90, nullptr);
      break;
    case Format::png:
      failed = vips_pngsave_buffer(image, &data, &size, nullptr);
      break;
    case Format::webp:
      failed = vips_webpsave_buffer(image, &data, &size, nullptr);
      break;
    case Format::heic:
      failed = vips_heifsave_buffer(image, &data, &size, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_HEVC, nullptr);
      break;
  }
  if (failed) throw std::runtime_error("encoding a test image failed: " + vips::take_error());
  vips::Buffer owned(data);
  return std::string(static_cast<const char*>(data), size);
}

struct Decoded {
  vips::Image image;
  int width() const { return vips_image_get_width(image.get()); }
  int height() const { return vips_image_get_height(image.get()); }
  int bands() const { return vips_image_get_bands(image.get()); }
  Rgb at(int x, int y) const {
    double* v = nullptr;
    int n = 0;
    if (vips_getpoint(image.get(), &v, &n, x, y, nullptr) || n < 3) throw std::runtime_error("getpoint failed");
    Rgb p{static_cast<unsigned char>(v[0]), static_cast<unsigned char>(v[1]), static_cast<unsigned char>(v[2])};
    g_free(v);
    return p;
  }
  // Every metadata field libvips found: "exif-ifd3-GPSLatitude", "xmp-data", "icc-profile-data", ...
  std::vector<std::string> fields() const {
    std::vector<std::string> out;
    gchar** names = vips_image_get_fields(image.get());
    for (gchar** f = names; *f; ++f) out.emplace_back(*f);
    g_strfreev(names);
    return out;
  }
  bool has_field_starting(std::string_view prefix) const {
    for (const auto& f : fields())
      if (f.starts_with(prefix)) return true;
    return false;
  }
};

Decoded decode(const std::string& bytes) {
  vips::Image lazy(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr));
  if (!lazy) throw std::runtime_error("decoding failed: " + vips::take_error());
  // Decoded into memory now, while `bytes` is alive; pixels are then read at random.
  vips::Image in_memory(vips_image_copy_memory(lazy.get()));
  if (!in_memory) throw std::runtime_error("decoding failed: " + vips::take_error());
  return {std::move(in_memory)};
}

// The markers of a JPEG's header, up to the start of the image data: (marker byte, payload).
std::vector<std::pair<unsigned char, std::string>> jpeg_segments(const std::string& jpeg) {
  std::vector<std::pair<unsigned char, std::string>> out;
  if (jpeg.size() < 4 || static_cast<unsigned char>(jpeg[0]) != 0xFF || static_cast<unsigned char>(jpeg[1]) != 0xD8)
    throw std::runtime_error("not a JPEG");
  std::size_t at = 2;
  while (at + 4 <= jpeg.size()) {
    if (static_cast<unsigned char>(jpeg[at]) != 0xFF) throw std::runtime_error("bad JPEG marker");
    auto marker = static_cast<unsigned char>(jpeg[at + 1]);
    std::size_t len = (static_cast<unsigned char>(jpeg[at + 2]) << 8) | static_cast<unsigned char>(jpeg[at + 3]);
    out.emplace_back(marker, jpeg.substr(at + 4, len - 2));
    if (marker == 0xDA) break;  // start of scan: entropy-coded data follows
    at += 2 + len;
  }
  return out;
}

// No EXIF, XMP, ICC, IPTC or comment: APP0 may only be the plain JFIF header.
void expect_no_metadata(const std::string& jpeg, const std::string& what) {
  for (const auto& [marker, payload] : jpeg_segments(jpeg)) {
    bool app = marker >= 0xE0 && marker <= 0xEF;
    if (marker == 0xE0)
      EXPECT_TRUE(payload.starts_with(std::string("JFIF\0", 5))) << what << ": APP0 that is not JFIF";
    else
      EXPECT_FALSE(app) << what << ": APP" << (marker - 0xE0) << " segment " << payload.substr(0, 12);
    EXPECT_NE(marker, 0xFE) << what << ": a COM (comment) segment";
  }
  for (const char* needle : {"Exif", "GPS", "http://ns.adobe.com", "ICC_PROFILE", "Photoshop", "Alice", "Paris",
                             "TestPhone", "taken at home"})
    EXPECT_EQ(jpeg.find(needle), std::string::npos) << what << " contains \"" << needle << "\"";
  auto decoded = decode(jpeg);
  for (const char* prefix : {"exif-", "xmp-data", "iptc-data", "icc-profile-data", "orientation", "jpeg-comment"})
    EXPECT_FALSE(decoded.has_field_starting(prefix)) << what << " has metadata field " << prefix;
}

void expect_problem(const Result<ProcessedPhoto>& r, int status, const std::string& type,
                    const std::string& what = "") {
  ASSERT_FALSE(r.has_value()) << what << ": accepted";
  EXPECT_EQ(r.error().status, status) << what << ": " << r.error().detail;
  EXPECT_EQ(r.error().type, type) << what << ": " << r.error().detail;
  EXPECT_FALSE(r.error().detail.empty()) << what;
}

std::uint32_t crc32(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_be32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
}

// A real small PNG whose IHDR now claims w x h (with a correct CRC, so only the size is a lie).
std::string png_claiming(std::uint32_t w, std::uint32_t h) {
  auto png = encode(gradient(8, 8).get(), Format::png);
  // signature (8) + IHDR length (4) + "IHDR" (4) + width + height ...
  put_be32(png, 16, w);
  put_be32(png, 20, h);
  put_be32(png, 29, crc32(std::string_view(png).substr(12, 17)));
  return png;
}

// A real small JPEG whose frame header (SOF0) now claims w x h.
std::string jpeg_claiming(std::uint16_t w, std::uint16_t h) {
  auto jpeg = encode(gradient(16, 16).get(), Format::jpeg);
  auto sof = jpeg.find("\xFF\xC0");
  if (sof == std::string::npos) throw std::runtime_error("no SOF0");
  jpeg[sof + 5] = static_cast<char>(h >> 8);
  jpeg[sof + 6] = static_cast<char>(h & 0xFF);
  jpeg[sof + 7] = static_cast<char>(w >> 8);
  jpeg[sof + 8] = static_cast<char>(w & 0xFF);
  return jpeg;
}

// Live images outside the operation cache. (vips_cache_drop_all would free the cache itself:
// it is meant for shutdown.) Setting the cache size to 0 trims it; the size is then restored.
int live_images() {
  int max = vips_cache_get_max();
  vips_cache_set_max(0);
  int count = 0;
  vips_object_map(
      [](void* object, void* n, void*) -> void* {
        if (VIPS_IS_IMAGE(object)) ++*static_cast<int*>(n);
        return nullptr;
      },
      &count, nullptr);
  vips_cache_set_max(max);
  return count;
}

class Photo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(vips::init().has_value()); }
};

}  // namespace

TEST(PhotoSniff, DecidesTheTypeFromMagicBytesOnly) {
  using namespace std::literals;
  EXPECT_EQ(sniff_image_type("\xFF\xD8\xFF\xE0rest"sv), ImageType::jpeg);
  EXPECT_EQ(sniff_image_type("\x89PNG\r\n\x1A\nrest"sv), ImageType::png);
  EXPECT_EQ(sniff_image_type("RIFF\x10\0\0\0WEBPVP8 "sv), ImageType::webp);
  EXPECT_EQ(sniff_image_type("\0\0\0\x18"
                             "ftypheic\0\0\0\0mif1heic"sv),
            ImageType::heic);
  EXPECT_EQ(sniff_image_type("\0\0\0\x18"
                             "ftypmif1\0\0\0\0mif1heic"sv),
            ImageType::heic)
      << "generic brand, HEIC compatible";
  EXPECT_EQ(sniff_image_type("\0\0\0\x18"
                             "ftypavif\0\0\0\0mif1avif"sv),
            std::nullopt)
      << "AVIF is not HEIC";
  EXPECT_EQ(sniff_image_type("\0\0\0\x18"
                             "ftypmif1\0\0\0\0mif1avif"sv),
            std::nullopt);
  EXPECT_EQ(sniff_image_type("\0\0\0\xFF"
                             "ftypheic\0\0\0\0"sv),
            std::nullopt)
      << "box larger than the data";
  EXPECT_EQ(sniff_image_type("RIFF\x10\0\0\0WAVEfmt "sv), std::nullopt);
  EXPECT_EQ(sniff_image_type("GIF89a..."sv), std::nullopt);
  EXPECT_EQ(sniff_image_type("<svg xmlns=..."sv), std::nullopt);
  EXPECT_EQ(sniff_image_type(""sv), std::nullopt);
  EXPECT_EQ(sniff_image_type("\xFF\xD8"sv), std::nullopt);
}

TEST_F(Photo, JpegWithGpsAndOtherMetadataComesOutWithNone) {
  auto input = test::read_fixture("gps.jpg");
  // The fixture does carry what must go: GPS in EXIF, XMP, IPTC (APP13) and a comment.
  auto in = decode(input);
  EXPECT_TRUE(in.has_field_starting("exif-ifd3-GPSLatitude")) << "fixture has no GPS: rerun make-fixtures.sh";
  EXPECT_TRUE(in.has_field_starting("xmp-data"));
  EXPECT_TRUE(in.has_field_starting("iptc-data"));
  EXPECT_NE(input.find("taken at home"), std::string::npos);

  auto photo = process_photo(input);
  ASSERT_TRUE(photo.has_value()) << photo.error().detail;
  EXPECT_EQ(photo->source_type, "image/jpeg");
  EXPECT_EQ(photo->width, 96);
  EXPECT_EQ(photo->height, 64);
  expect_no_metadata(photo->display_jpeg, "display");
  expect_no_metadata(photo->thumb_jpeg, "thumbnail");
}

TEST_F(Photo, EmbeddedIccProfileIsNotKept) {
  void* data = nullptr;
  std::size_t size = 0;
  auto image = gradient(64, 48);
  ASSERT_EQ(vips_jpegsave_buffer(image.get(), &data, &size, "profile", "srgb", nullptr), 0) << vips::take_error();
  std::string input(static_cast<const char*>(data), size);
  g_free(data);
  ASSERT_TRUE(decode(input).has_field_starting("icc-profile-data")) << "the input carries a profile";
  auto photo = process_photo(input);
  ASSERT_TRUE(photo.has_value()) << photo.error().detail;
  expect_no_metadata(photo->display_jpeg, "display");
}

TEST_F(Photo, ExifOrientation6IsTurnedUpright) {
  auto photo = process_photo(test::read_fixture("orientation6.jpg"));
  ASSERT_TRUE(photo.has_value()) << photo.error().detail;
  // Stored 96x64 with "rotate 90 clockwise": shown 64x96, the stored left (red) half on top.
  EXPECT_EQ(photo->width, 64);
  EXPECT_EQ(photo->height, 96);
  for (const auto* jpeg : {&photo->display_jpeg, &photo->thumb_jpeg}) {
    auto out = decode(*jpeg);
    EXPECT_EQ(out.width(), 64);
    EXPECT_EQ(out.height(), 96);
    auto top = out.at(32, 10), bottom = out.at(32, 85);
    EXPECT_GT(top.r, 150);
    EXPECT_LT(top.b, 100) << "top is red";
    EXPECT_GT(bottom.b, 150);
    EXPECT_LT(bottom.r, 100) << "bottom is blue";
    expect_no_metadata(*jpeg, "rotated");
  }
}

TEST_F(Photo, PngAndWebpAreAccepted) {
  for (auto [format, type] : {std::pair{Format::png, "image/png"}, {Format::webp, "image/webp"}}) {
    auto photo = process_photo(encode(gradient(200, 100).get(), format));
    ASSERT_TRUE(photo.has_value()) << type << ": " << photo.error().detail;
    EXPECT_EQ(photo->source_type, type);
    EXPECT_EQ(photo->width, 200);
    EXPECT_EQ(photo->height, 100);
    auto out = decode(photo->display_jpeg);
    EXPECT_EQ(out.bands(), 3);
    EXPECT_EQ(sniff_image_type(photo->thumb_jpeg), ImageType::jpeg);
  }
}

TEST_F(Photo, TransparencyIsFlattenedOnWhite) {
  for (auto format : {Format::png, Format::webp}) {
    auto photo = process_photo(encode(gradient(100, 50, 4).get(), format));
    ASSERT_TRUE(photo.has_value()) << photo.error().detail;
    auto out = decode(photo->display_jpeg);
    EXPECT_EQ(out.bands(), 3) << "JPEG has no alpha";
    auto p = out.at(10, 25);  // in the transparent left half
    EXPECT_GT(p.r, 240);
    EXPECT_GT(p.g, 240);
    EXPECT_GT(p.b, 240);
  }
}

TEST_F(Photo, SixteenBitPngIsAccepted) {
  auto image = gradient(64, 64);
  VipsImage* wide = nullptr;
  ASSERT_EQ(vips_colourspace(image.get(), &wide, VIPS_INTERPRETATION_RGB16, nullptr), 0);
  vips::Image owned(wide);
  auto photo = process_photo(encode(owned.get(), Format::png));
  ASSERT_TRUE(photo.has_value()) << photo.error().detail;
  EXPECT_EQ(decode(photo->display_jpeg).bands(), 3);
}

TEST_F(Photo, HeicIsAcceptedWhereLibvipsCanReadIt) {
  if (!vips::can_load_heif()) {
    // A HEIC header, for a libvips built without libheif: refused as unsupported, not as corrupt.
    using namespace std::literals;
    std::string heic(
        "\0\0\0\x18"
        "ftypheic\0\0\0\0mif1heic"
        "rest of a file"sv);
    expect_problem(process_photo(heic), 415, "unsupported-image-type", "HEIC without heifload");
    return;
  }
  auto photo = process_photo(encode(gradient(120, 80).get(), Format::heic));
  ASSERT_TRUE(photo.has_value()) << photo.error().detail;
  EXPECT_EQ(photo->source_type, "image/heic");
  EXPECT_EQ(photo->width, 120);
  EXPECT_EQ(photo->height, 80);
}

TEST_F(Photo, LargeImagesAreFittedToTheDisplayAndThumbnailEdges) {
  struct Case {
    int w, h, dw, dh, tw, th;
  };
  for (auto c : {Case{2000, 1500, 1080, 810, 320, 240}, Case{1500, 2000, 810, 1080, 240, 320},
                 Case{500, 400, 500, 400, 320, 256}, Case{100, 80, 100, 80, 100, 80}}) {
    auto photo = process_photo(encode(gradient(c.w, c.h).get(), Format::jpeg));
    ASSERT_TRUE(photo.has_value()) << photo.error().detail;
    EXPECT_EQ(photo->width, c.dw) << c.w << "x" << c.h;
    EXPECT_EQ(photo->height, c.dh) << c.w << "x" << c.h;
    auto display = decode(photo->display_jpeg), thumb = decode(photo->thumb_jpeg);
    EXPECT_EQ(display.width(), c.dw);
    EXPECT_EQ(display.height(), c.dh);
    EXPECT_EQ(thumb.width(), c.tw) << "never enlarged, never past the thumbnail edge";
    EXPECT_EQ(thumb.height(), c.th);
  }
}

TEST_F(Photo, TextFileNamedJpgIsUnsupported) {
  expect_problem(process_photo("This is a plain text file that someone renamed to photo.jpg.\n"), 415,
                 "unsupported-image-type");
  expect_problem(process_photo(""), 415, "unsupported-image-type", "empty");
  expect_problem(process_photo("GIF89a\x01\0\x01\0\0\0\0;"), 415, "unsupported-image-type", "GIF is not accepted");
  expect_problem(process_photo("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), 415, "unsupported-image-type", "SVG");
}

TEST_F(Photo, OverTheByteLimitIs413BeforeAnythingElse) {
  auto jpeg = encode(gradient(64, 64).get(), Format::jpeg);
  expect_problem(process_photo(jpeg, {.max_bytes = jpeg.size() - 1}), 413, "image-too-large");
  EXPECT_TRUE(process_photo(jpeg, {.max_bytes = jpeg.size()}).has_value());
  expect_problem(process_photo(std::string(11 << 20, 'x')), 413, "image-too-large", "default limit is 10 MiB");
}

TEST_F(Photo, TruncatedImagesAre422Unreadable) {
  auto image = noise(256, 256);  // noise: the compressed data is large, so a cut lands inside it
  for (auto format : {Format::jpeg, Format::png, Format::webp}) {
    auto whole = encode(image.get(), format);
    ASSERT_TRUE(process_photo(whole).has_value()) << static_cast<int>(format);
    for (double keep : {0.5, 0.9, 0.99}) {
      auto cut = whole.substr(0, static_cast<std::size_t>(whole.size() * keep));
      expect_problem(process_photo(cut), 422, "image-unreadable",
                     "format " + std::to_string(static_cast<int>(format)) + " cut at " + std::to_string(keep));
    }
  }
}

TEST_F(Photo, DecompressionBombsAreRefusedFromTheHeaderAlone) {
  // A few hundred bytes claiming 900 million pixels (2.7 GB decoded).
  auto png = png_claiming(30000, 30000);
  EXPECT_LT(png.size(), 1000u);
  expect_problem(process_photo(png), 422, "image-dimensions-too-large", "PNG bomb");
  expect_problem(process_photo(jpeg_claiming(30000, 30000)), 422, "image-dimensions-too-large", "JPEG bomb");
  EXPECT_LT(vips_tracked_get_mem_highwater(), std::size_t{1} << 30) << "never allocated the claimed pixels";

  // A long strip within the pixels (40 million) but not the side: libvips decodes a PNG a row at a
  // time, and one row of 9,000,000 pixels at 16-bit RGBA is 72 MB.
  expect_problem(process_photo(png_claiming(9'000'000, 4)), 422, "image-dimensions-too-large", "a strip");
  expect_problem(process_photo(png_claiming(3, 12'001)), 422, "image-dimensions-too-large", "a tall strip");

  // The limit is the caller's: a real 20x20 image is too many pixels under a 100-pixel limit.
  expect_problem(process_photo(encode(gradient(20, 20).get(), Format::png), {.max_pixels = 100}), 422,
                 "image-dimensions-too-large", "small limit");
  EXPECT_TRUE(process_photo(encode(gradient(10, 10).get(), Format::png), {.max_pixels = 100}).has_value());
}

TEST_F(Photo, ConcurrentCallsFromHandlerThreadsAreSafe) {
  auto jpeg = encode(gradient(1600, 1200).get(), Format::jpeg);
  auto png = encode(gradient(300, 200, 4).get(), Format::png);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        auto r = process_photo(t % 2 ? jpeg : png);
        if (r && r->width == (t % 2 ? 1080 : 300)) ++ok;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 12);
}

TEST_F(Photo, RandomBytesAndDamagedImagesNeverCrashOrLeak) {
  std::mt19937 rng(20261125);
  std::vector<std::string> valid = {encode(noise(64, 64).get(), Format::jpeg), encode(noise(64, 64).get(), Format::png),
                                    encode(noise(64, 64).get(), Format::webp), test::read_fixture("gps.jpg")};
  const int images_before = live_images();

  auto random_bytes = [&](std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  };
  int accepted = 0, refused = 0;
  for (int i = 0; i < 200; ++i) {
    std::string input;
    const auto& base = valid[rng() % valid.size()];
    switch (i % 4) {
      case 0:
        input = random_bytes(rng() % 4096);
        break;  // noise
      case 1:
        input = base.substr(0, 16) + random_bytes(rng() % 4096);
        break;  // a real header, then noise
      case 2:
        input = base.substr(0, rng() % base.size());
        break;  // truncated anywhere
      case 3:   // a few bytes flipped
        input = base;
        for (int k = 0; k < 1 + static_cast<int>(rng() % 8); ++k)
          input[rng() % input.size()] = static_cast<char>(rng());
        break;
    }
    auto r = process_photo(input);
    if (r) {
      ++accepted;
      EXPECT_EQ(sniff_image_type(r->display_jpeg), ImageType::jpeg) << "case " << i;
    } else {
      ++refused;
      EXPECT_TRUE(r.error().status == 415 || r.error().status == 422) << "case " << i << ": " << r.error().status;
    }
  }
  EXPECT_GT(refused, 100);
  EXPECT_EQ(live_images(), images_before) << "every image a failed or successful run opened was released";
  RecordProperty("accepted", accepted);
}
