#pragma once
// The web app (web/, built into web/dist by ./pm build) served by the API's own server, so the
// browser talks to one origin and no CORS is needed. Only regular files under the built folder are
// served: a path is a list of plain segments (letters, digits, '.', '-', '_', none starting with
// '.'), anything else (.., %-escapes, backslashes) is refused, and a symbolic link leading out of the
// folder is refused too. Files under assets/ have content-hashed names and are cached for a year;
// everything else, index.html first, is revalidated on every load. A GET for a path no route and no
// file has is a route of the app itself (client-side routing): it gets index.html. Paths under the
// API's prefixes (/api, /media) stay the server's problem+json 404 (Router::set_fallback).
// Every answer carries a strict Content-Security-Policy: scripts and styles from this origin only,
// no inline script, images also as data: and blob: URLs (photo previews) and from the media store's
// origin when it is not this server (an S3 bucket's presigned URLs), sockets to this origin.

#include <string>

#include "http/router.hpp"

namespace pm::http {

// The policy; `media_origin` ("https://bucket.s3.example", or empty for this server) joins img-src.
std::string web_app_csp(std::string_view media_origin);

// The Content-Type of a file by its extension (application/octet-stream when unknown).
std::string_view content_type_for(std::string_view file_name);

// Routes every GET nothing else answers, except under /api and /media, to the files of `dir`.
void add_web_app(Router& router, std::string dir, std::string_view media_origin = {});

}  // namespace pm::http
