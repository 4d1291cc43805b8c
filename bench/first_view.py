#!/usr/bin/env python3
# What building a match's insights on its first opening costs the request that opens it
# (docs/matching.md "Insights on first view"). Against a running server with the demo users:
#   bench/first_view.py [base_url] [first demo user] [users]
# Signs in as demoN..., opens each of their matches (the first GET /api/v1/matches/{id} writes its
# insights), then opens each again (reads them), and prints both medians and p90s. The first
# figure is the first opening's only for matches nobody opened before: run it once per database,
# on demo users nobody signed in as (docs/benchmarks.md says how the figures were made).
import http.client
import json
import statistics
import sys
import time
import urllib.parse

base = urllib.parse.urlparse(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080")
first_user = int(sys.argv[2]) if len(sys.argv) > 2 else 100
users = int(sys.argv[3]) if len(sys.argv) > 3 else 10


def call(method, path, token=None, body=None):
    conn = http.client.HTTPConnection(base.hostname, base.port or 80)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    res = conn.getresponse()
    data = res.read()
    took = time.perf_counter() - started
    conn.close()
    if res.status >= 300:
        sys.exit(f"{method} {path}: {res.status} {data[:200]!r}")
    return json.loads(data) if data else None, took


first, again = [], []
for n in range(first_user, first_user + users):
    session, _ = call("POST", "/api/v1/auth/login",
                      body={"email": f"demo{n}@demo.perfectmatch.test", "password": "perfect-match-demo"})
    token = session["token"]
    page, _ = call("GET", "/api/v1/matches?status=all&limit=50", token)
    for m in page["matches"]:
        detail, took = call("GET", f"/api/v1/matches/{m['match_id']}", token)
        if not detail["insights"].get("summary"):
            sys.exit(f"match {m['match_id']}: no insights after opening")
        first.append(took)
        _, took = call("GET", f"/api/v1/matches/{m['match_id']}", token)
        again.append(took)


def stats(xs):
    xs = sorted(xs)
    return {"median_ms": round(1000 * statistics.median(xs), 2), "p90_ms": round(1000 * xs[9 * len(xs) // 10], 2)}


print(json.dumps({"matches": len(first), "first_opening": stats(first), "later_opening": stats(again)}))
