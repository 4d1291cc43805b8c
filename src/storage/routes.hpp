#pragma once
// GET /media/{key*}: serves the local backend's objects to holders of a signed URL
// (LocalObjectStore::signed_url). The S3 backend's URLs point at S3 itself and need no route.

#include "http/router.hpp"
#include "storage/local_store.hpp"

namespace pm::storage {

// `store` must outlive the router.
void add_routes(http::Router& router, LocalObjectStore& store);

}  // namespace pm::storage
