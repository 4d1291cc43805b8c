// The SigV4 signer against the examples AWS publishes for S3 ("Signature Calculations for the
// Authorization Header" and "Authenticating Requests: Using Query Parameters"): same inputs,
// same signatures, byte for byte. Plus the S3 backend's URL shapes, path and virtual-host style.

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "storage/s3_store.hpp"
#include "storage/sigv4.hpp"

using namespace pm;
using namespace pm::storage;

namespace {

// The documented example account, region and time (Fri, 24 May 2013 00:00:00 GMT).
const sigv4::Credentials kAws{.access_key = "AKIAIOSFODNN7EXAMPLE",
                              .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                              .region = "us-east-1"};
const Clock::time_point kMay24 = Clock::from_time_t(1369353600);
const std::string kHost = "examplebucket.s3.amazonaws.com";
const std::string kEmpty(sigv4::kEmptyPayloadHash);

std::string signature_of(const std::string& authorization) {
  return authorization.substr(authorization.find("Signature=") + 10);
}

}  // namespace

TEST(SigV4, DateAndHashHelpers) {
  EXPECT_EQ(sigv4::amz_date(kMay24), "20130524T000000Z");
  EXPECT_EQ(sigv4::amz_date(kMay24 + std::chrono::seconds(3723) + std::chrono::milliseconds(999)), "20130524T010203Z");
  EXPECT_EQ(crypto::sha256_hex(""), kEmpty);
  EXPECT_EQ(crypto::sha256_hex("Welcome to Amazon S3."),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

TEST(SigV4, UriEncodingIsRfc3986WithUpperCaseHex) {
  EXPECT_EQ(sigv4::uri_encode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(sigv4::uri_encode("a b+c/d$e=f&g*", false), "a%20b%2Bc%2Fd%24e%3Df%26g%2A");
  EXPECT_EQ(sigv4::uri_encode("users/u1/p.jpg", true), "users/u1/p.jpg");
  EXPECT_EQ(sigv4::uri_encode("\xc3\xbc", false), "%C3%BC");
}

TEST(SigV4, GetObjectExampleFromTheAwsDocs) {
  sigv4::Request r{.method = "GET",
                   .path = "/test.txt",
                   .headers = {{"Host", kHost},
                               {"Range", "bytes=0-9"},
                               {"x-amz-content-sha256", kEmpty},
                               {"x-amz-date", "20130524T000000Z"}},
                   .payload_hash = kEmpty};
  EXPECT_EQ(sigv4::canonical_request(r),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:" + kEmpty +
                "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" + kEmpty);
  EXPECT_EQ(sigv4::string_to_sign(r, kAws, kMay24),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(sigv4::authorization(r, kAws, kMay24),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, PutObjectExampleFromTheAwsDocs) {
  auto payload = crypto::sha256_hex("Welcome to Amazon S3.");
  sigv4::Request r{.method = "PUT",
                   .path = "/" + sigv4::uri_encode("test$file.text", true),
                   .headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                               {"Host", kHost},
                               {"x-amz-date", "20130524T000000Z"},
                               {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                               {"x-amz-content-sha256", payload}},
                   .payload_hash = payload};
  EXPECT_EQ(r.path, "/test%24file.text");
  auto auth = sigv4::authorization(r, kAws, kMay24);
  EXPECT_NE(auth.find("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"),
            std::string::npos);
  EXPECT_EQ(signature_of(auth), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, QueryExamplesFromTheAwsDocs) {
  sigv4::Request lifecycle{
      .method = "GET",
      .path = "/",
      .query = {{"lifecycle", ""}},
      .headers = {{"Host", kHost}, {"x-amz-content-sha256", kEmpty}, {"x-amz-date", "20130524T000000Z"}},
      .payload_hash = kEmpty};
  EXPECT_EQ(sigv4::signature(lifecycle, kAws, kMay24),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");

  sigv4::Request list = lifecycle;
  list.query = {{"prefix", "J"}, {"max-keys", "2"}};  // out of order on purpose: the canonical form sorts
  EXPECT_EQ(sigv4::signature(list, kAws, kMay24), "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, PresignedUrlExampleFromTheAwsDocs) {
  sigv4::Request r{.method = "GET", .path = "/test.txt", .headers = {{"host", kHost}}};
  EXPECT_EQ(sigv4::presigned_query(r, kAws, kMay24, std::chrono::seconds(86400)),
            "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4, HeaderValuesAreTrimmedAndNamesCaseFolded) {
  sigv4::Request a{
      .method = "GET", .path = "/k", .headers = {{"Host", kHost}, {"X-Custom", "  a   b  "}}, .payload_hash = kEmpty};
  sigv4::Request b{
      .method = "GET", .path = "/k", .headers = {{"x-custom", "a b"}, {"host", kHost}}, .payload_hash = kEmpty};
  EXPECT_EQ(sigv4::canonical_request(a), sigv4::canonical_request(b));
  EXPECT_NE(sigv4::canonical_request(a).find("x-custom:a b\n"), std::string::npos);
}

// The S3 backend's presigned URLs: the documented example again, through the store, in both styles.
TEST(S3Urls, VirtualHostStyleMatchesTheAwsPresignedExample) {
  S3ObjectStore store({.endpoint = "https://s3.amazonaws.com",
                       .region = "us-east-1",
                       .bucket = "examplebucket",
                       .access_key = kAws.access_key,
                       .secret_key = kAws.secret_key,
                       .path_style = false,
                       .clock = [] { return kMay24; }});
  EXPECT_EQ(store.object_url("test.txt"), "https://examplebucket.s3.amazonaws.com/test.txt");
  EXPECT_EQ(store.signed_url("test.txt", std::chrono::seconds(86400)),
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(S3Urls, PathStyleKeepsTheBucketInThePathAndThePortInTheHost) {
  S3ObjectStore store({.endpoint = "http://127.0.0.1:9000/",
                       .region = "eu-west-1",
                       .bucket = "pm-media",
                       .access_key = "AK",
                       .secret_key = "SK",
                       .path_style = true,
                       .clock = [] { return kMay24; }});
  EXPECT_EQ(store.object_url("users/u1/p1-display.jpg"), "http://127.0.0.1:9000/pm-media/users/u1/p1-display.jpg");
  auto url = store.signed_url("users/u1/p1-display.jpg", std::chrono::hours(1));
  EXPECT_TRUE(url.starts_with("http://127.0.0.1:9000/pm-media/users/u1/p1-display.jpg?X-Amz-Algorithm=")) << url;
  EXPECT_NE(url.find("X-Amz-Credential=AK%2F20130524%2Feu-west-1%2Fs3%2Faws4_request"), std::string::npos) << url;
  EXPECT_NE(url.find("X-Amz-Expires=3600&"), std::string::npos) << url;

  // The signature covers the host with its port, as a client sends it.
  sigv4::Request r{
      .method = "GET", .path = "/pm-media/users/u1/p1-display.jpg", .headers = {{"host", "127.0.0.1:9000"}}};
  sigv4::Credentials c{.access_key = "AK", .secret_key = "SK", .region = "eu-west-1"};
  EXPECT_TRUE(url.ends_with(sigv4::presigned_query(r, c, kMay24, std::chrono::hours(1)))) << url;
}

TEST(S3Urls, ExpiryIsClampedToWhatS3Accepts) {
  S3ObjectStore store(
      {.endpoint = "http://127.0.0.1:9000", .bucket = "b", .access_key = "AK", .secret_key = "SK", .path_style = true});
  EXPECT_NE(store.signed_url("k", std::chrono::seconds(0)).find("X-Amz-Expires=1&"), std::string::npos);
  EXPECT_NE(store.signed_url("k", std::chrono::days(30)).find("X-Amz-Expires=604800&"), std::string::npos);
}

TEST(S3Urls, BadEndpointIsRefusedAtConstruction) {
  for (const char* endpoint : {"", "s3.amazonaws.com", "https://host/path", "ftp://host"})
    EXPECT_THROW(S3ObjectStore({.endpoint = endpoint, .bucket = "b", .access_key = "a", .secret_key = "s"}),
                 std::invalid_argument)
        << endpoint;
}
