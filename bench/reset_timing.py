#!/usr/bin/env python3
# Does a password reset request take longer for an address that has an account? (docs/security.md:
# "sign-in and reset answer the same for unknown addresses, in the same time".) Against a running
# server with the demo users and the reset limits raised, e.g.
#   PM_RESET_LIMIT_PER_ACCOUNT=100000 PM_RESET_LIMIT_PER_IP=100000 perfectmatch serve
#   bench/reset_timing.py [base_url] [pairs]
# Alternates a demo user's address and an unknown one, and prints each one's median and spread.
import http.client
import json
import random
import statistics
import sys
import time
import urllib.parse

base = urllib.parse.urlparse(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080")
pairs = int(sys.argv[2]) if len(sys.argv) > 2 else 300


def ask(email):
    conn = http.client.HTTPConnection(base.hostname, base.port or 80)
    started = time.perf_counter()
    conn.request("POST", "/api/v1/auth/password-reset/request", json.dumps({"email": email}),
                 {"Content-Type": "application/json"})
    res = conn.getresponse()
    res.read()
    took = time.perf_counter() - started
    conn.close()
    if res.status >= 300:
        sys.exit(f"{email}: {res.status} (raise the reset limits)")
    return took


known, unknown = [], []
for i in range(pairs):
    known.append(ask(f"demo{random.randint(100, 999)}@demo.perfectmatch.test"))
    unknown.append(ask(f"nobody-{random.getrandbits(40)}@example.com"))
result = {}
for name, xs in (("known", known), ("unknown", unknown)):
    xs.sort()
    result[name] = {"median_ms": round(1000 * statistics.median(xs), 2),
                    "p10_ms": round(1000 * xs[len(xs) // 10], 2), "p90_ms": round(1000 * xs[9 * len(xs) // 10], 2)}
print(json.dumps({"pairs": pairs, **result}))
