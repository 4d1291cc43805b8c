#!/usr/bin/python3
"""Clients of tests/stack/cluster.sh: chat users and a request load, through haproxy.

  cluster_client.py chat --url URL --pairs-file F --messages M --interval S --ready-file R --tag T
                         [--until-file U]
      Both users of every pair (`perfectmatch loadtest-pairs`) on a WebSocket each (docs/realtime.md);
      each sends M messages over it, one every S seconds (and goes on until U exists). A user whose
      socket closes or breaks reconnects (through haproxy: another node if its own is gone), sends
      `resume` with the last seq it holds without a gap (and again from the ack's `resume_from` while
      `more` says the replay stopped at its cap, as the web app does), and sends again every message
      it had no ack for (same client_message_id). Writes R once every socket is ready. Then waits
      until every user holds every message of its conversation (its own from their acks, the
      other's from message.new), and checks: each acknowledged once; each stored exactly once (REST
      history); each shown by both users (a seq is shown once: docs/realtime.md); no socket sends a
      seq twice, nor a message.new of one it acknowledged; a copy on a new socket at or below the
      resume cursor is allowed only for a message its sender resent (the server publishes a resend
      again: a peer on another node may never have heard of it if the storing node died before
      publishing).
      Prints a JSON report (reconnects, close codes) on stdout; exits 1 when a check failed.

  cluster_client.py load --url URL --pairs-file F --stop-file S --threads N --tag T
      N threads, each on a keep-alive connection to haproxy, alternately read GET /api/v1/me and send
      a message over REST (POST .../messages, a new client_message_id each), until S exists.
      Prints a JSON report; exits 1 when any request failed (an error status, or no answer).

Debian's python3 and python3-websockets (deps/debian-packages.txt); no timing is asserted.
"""
import argparse
import asyncio
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

import websockets


def read_pairs(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


# ---------------------------------------------------------------- chat


class User:
    def __init__(self, name, user_id, token, conversation_id, peer):
        self.name, self.user_id, self.token = name, user_id, token
        self.conversation_id, self.peer = conversation_id, peer
        self.received = {}  # client_message_id -> times it was shown (a new seq)
        self.copies = []  # (client_message_id, seq, below the socket's resume cursor) of seqs already held
        self.socket_duplicates = []  # seqs one socket sent twice (the server promises never)
        self.seqs = set()  # seqs held
        self.acks = {}  # client_message_id -> ack count
        self.created_false = 0  # acks of a resend the server already had
        self.resent = set()  # their client_message_ids
        self.reconnects = 0
        self.replays_continued = 0  # resumes sent again because the replay stopped at its cap
        self.sent = 0  # messages this user sent
        self.close_codes = []  # the server's close code, or "dropped" when the TCP connection broke
        self.ws = None
        self.pending = {}  # frame id -> future of its ack
        self.connected = asyncio.Event()
        self.frame_no = 0

    def contiguous_seq(self):
        # The highest seq with every smaller one held: live events of two senders may cross, so
        # resuming from the highest seen could skip the one still on its way.
        n = 0
        while n + 1 in self.seqs:
            n += 1
        return n


async def run_socket(user, ws_url, stop, ready):
    first = True
    while not stop.is_set():
        try:
            async with websockets.connect(
                ws_url, extra_headers={"Authorization": f"Bearer {user.token}"}, open_timeout=5, max_size=2**20
            ) as ws:
                hello = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if hello.get("type") != "ready":
                    raise RuntimeError(f"{user.name}: expected ready, got {hello}")
                await send_resume(user, ws, {user.conversation_id: user.contiguous_seq()})
                cursor, on_socket = user.contiguous_seq(), set()
                user.ws = ws
                user.connected.set()
                if first:
                    ready()
                    first = False
                async for raw in ws:
                    frame = json.loads(raw)
                    kind = frame.get("type")
                    if kind == "message.new":
                        m = frame["message"]
                        if m["seq"] in on_socket:
                            user.socket_duplicates.append(m["seq"])
                        on_socket.add(m["seq"])
                        if m["seq"] in user.seqs:
                            user.copies.append((m["client_message_id"], m["seq"], m["seq"] <= cursor))
                            continue
                        user.received[m["client_message_id"]] = user.received.get(m["client_message_id"], 0) + 1
                        user.seqs.add(m["seq"])
                    elif kind == "ack" and frame.get("id", "").startswith("r"):
                        # A replay is capped (half the send queue): ask again from where it stopped
                        # until it reached the end, as the web app does (docs/realtime.md).
                        if frame.get("more"):
                            user.replays_continued += 1
                            await send_resume(user, ws, frame["resume_from"])
                    elif kind in ("ack", "error") and frame.get("id") in user.pending:
                        m = frame.get("message")
                        if kind == "ack" and m:
                            # The sender's own message is shown from its ack: the socket it was sent
                            # on never gets it as message.new (any that came would be a duplicate).
                            on_socket.add(m["seq"])
                            if m["seq"] not in user.seqs:
                                user.received[m["client_message_id"]] = user.received.get(m["client_message_id"], 0) + 1
                                user.seqs.add(m["seq"])
                        fut = user.pending.pop(frame["id"])
                        if not fut.done():
                            fut.set_result(frame)
            if not stop.is_set():
                user.close_codes.append(ws.close_code if ws.close_code is not None else "dropped")
        except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as e:
            code = getattr(getattr(e, "rcvd", None), "code", None)
            if not stop.is_set():
                user.close_codes.append(code if code is not None else "dropped")
        user.ws = None
        user.connected.clear()
        for fut in user.pending.values():
            if not fut.done():
                fut.set_result(None)
        user.pending.clear()
        if stop.is_set():
            return
        user.reconnects += 1
        await asyncio.sleep(0.2)


async def send_resume(user, ws, cursors):
    user.frame_no += 1
    await ws.send(json.dumps({"type": "resume", "id": f"r{user.frame_no}", "conversations": cursors}))


async def send_until_acked(user, client_message_id, text):
    while True:
        await user.connected.wait()
        ws = user.ws
        if ws is None:
            continue
        user.frame_no += 1
        frame_id = f"s{user.frame_no}"
        fut = asyncio.get_running_loop().create_future()
        user.pending[frame_id] = fut
        try:
            await ws.send(
                json.dumps(
                    {
                        "type": "message.send",
                        "id": frame_id,
                        "conversation_id": user.conversation_id,
                        "client_message_id": client_message_id,
                        "content": text,
                    }
                )
            )
            reply = await asyncio.wait_for(fut, 10)
        except (websockets.exceptions.WebSocketException, asyncio.TimeoutError):
            reply = None
        if reply is None:  # the socket went away before the ack: send it again on the next one
            await asyncio.sleep(0.1)
            continue
        if reply.get("type") != "ack":
            raise RuntimeError(f"{user.name}: {client_message_id} refused: {reply}")
        user.acks[client_message_id] = user.acks.get(client_message_id, 0) + 1
        if reply.get("created") is False:
            user.created_false += 1
            user.resent.add(client_message_id)
        return


def history(base, user):
    """Every message of the user's conversation, by REST (through haproxy)."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    out, after = [], 0
    while True:
        conn.request(
            "GET",
            f"/api/v1/conversations/{user.conversation_id}/messages?after={after}&limit=200",
            headers={"Authorization": f"Bearer {user.token}"},
        )
        r = conn.getresponse()
        body = json.loads(r.read())
        if r.status != 200:
            raise RuntimeError(f"history: {r.status} {body}")
        out += body["messages"]
        if not body["has_more"] or not body["messages"]:
            return out
        after = body["messages"][-1]["seq"]


async def chat(args):
    pairs = read_pairs(args.pairs_file)
    users = []
    for i, p in enumerate(pairs):
        a = User(f"p{i}a", p["a"]["user_id"], p["a"]["token"], p["conversation_id"], None)
        b = User(f"p{i}b", p["b"]["user_id"], p["b"]["token"], p["conversation_id"], a)
        a.peer = b
        users += [a, b]
    ws_url = args.url.replace("http://", "ws://") + "/api/v1/ws"
    stop = asyncio.Event()
    ready_count = 0

    def ready():
        nonlocal ready_count
        ready_count += 1
        if ready_count == len(users):
            with open(args.ready_file, "w") as f:
                f.write("ready\n")

    sockets = [asyncio.create_task(run_socket(u, ws_url, stop, ready)) for u in users]

    def more_to_send(k):
        return k < args.messages or (args.until_file and not os.path.exists(args.until_file))

    async def sender(u):
        await u.connected.wait()
        while more_to_send(u.sent):
            k = u.sent
            await send_until_acked(u, f"{args.tag}-{u.name}-{k}", f"{args.tag} message {k} from {u.name}")
            u.sent += 1
            await asyncio.sleep(args.interval)

    await asyncio.wait_for(asyncio.gather(*(sender(u) for u in users)), args.timeout)
    expected = {u.name: {f"{args.tag}-{x.name}-{k}" for x in (u, u.peer) for k in range(x.sent)} for u in users}
    # Everything is acknowledged (committed); wait for the last events to arrive.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(expected[u.name] - set(u.received) for u in users):
        await asyncio.sleep(0.2)
    stop.set()
    for u in users:
        if u.ws is not None:
            await u.ws.close()
    await asyncio.gather(*sockets, return_exceptions=True)

    failures = []
    resent = {m for u in users for m in u.resent}
    for u in users:
        if u.socket_duplicates:
            failures.append(f"{u.name}: one socket sent seq {u.socket_duplicates[:3]} twice")
        # Above the cursor a copy is the replay filling a gap the client had (it held a later seq);
        # at or below it, only a message its sender resent may come again.
        unexplained = [c for c in u.copies if c[2] and c[0] not in resent]
        if unexplained:
            failures.append(f"{u.name}: copies at or below its resume cursor of messages nobody resent: {unexplained[:3]}")
        missing = expected[u.name] - set(u.received)
        duplicated = sorted(m for m, n in u.received.items() if n > 1)
        if missing:
            failures.append(f"{u.name} never received {len(missing)} message(s), e.g. {sorted(missing)[:3]}")
        if duplicated:
            failures.append(f"{u.name} received {len(duplicated)} message(s) twice or more, e.g. {duplicated[:3]}")
        if any(n != 1 for n in u.acks.values()) or len(u.acks) != u.sent:
            failures.append(f"{u.name}: {len(u.acks)} of {u.sent} messages acknowledged once")
    for u in users[::2]:
        stored = [m["client_message_id"] for m in history(args.url, u) if m["client_message_id"].startswith(args.tag)]
        want = expected[u.name]
        if len(stored) != len(want) or set(stored) != want:
            failures.append(f"conversation of {u.name}: {len(stored)} stored ({len(set(stored))} distinct), {len(want)} sent")
    report = {
        "users": len(users),
        "messages_sent": sum(u.sent for u in users),
        "reconnects": sum(u.reconnects for u in users),
        "replays_continued": sum(u.replays_continued for u in users),
        "resent_already_stored": sum(u.created_false for u in users),
        "copies_ignored": sum(len(u.copies) for u in users),
        "close_codes": sorted({str(c) for u in users for c in u.close_codes}),
        "failures": failures,
    }
    print(json.dumps(report))
    return 1 if failures else 0


# ---------------------------------------------------------------- load


def load(args):
    pairs = read_pairs(args.pairs_file)
    u = urllib.parse.urlsplit(args.url)
    lock = threading.Lock()
    totals = {"ok": 0, "failed": 0}
    failures = []

    def worker(t):
        p = pairs[t % len(pairs)]
        me = p["a"] if t % 2 == 0 else p["b"]
        headers = {"Authorization": f"Bearer {me['token']}", "Content-Type": "application/json"}
        conn = None
        n = 0
        while not os.path.exists(args.stop_file):
            n += 1
            if n % 2:
                method, path, body, want = "GET", "/api/v1/me", None, (200,)
            else:
                method, path, want = "POST", f"/api/v1/conversations/{p['conversation_id']}/messages", (201,)
                body = json.dumps({"client_message_id": f"{args.tag}-t{t}-{n}", "content": f"load {n}"})
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
                conn.request(method, path, body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                ok = r.status in want
                what = f"{method} {path}: {r.status}"
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                ok, what = False, f"{method} {path}: {type(e).__name__} {e}"
                conn = None
            with lock:
                totals["ok" if ok else "failed"] += 1
                if not ok and len(failures) < 20:
                    failures.append(what)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"requests": totals["ok"] + totals["failed"], "failed": totals["failed"], "failures": failures}))
    return 1 if totals["failed"] else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("chat")
    c.add_argument("--url", required=True)
    c.add_argument("--pairs-file", required=True)
    c.add_argument("--messages", type=int, default=40)
    c.add_argument("--interval", type=float, default=0.1)
    c.add_argument("--until-file", help="after the M messages, each user goes on sending until this file exists")
    c.add_argument("--ready-file", required=True)
    c.add_argument("--tag", required=True)
    c.add_argument("--timeout", type=float, default=120, help="seconds for every message to be acknowledged")
    lo = sub.add_parser("load")
    lo.add_argument("--url", required=True)
    lo.add_argument("--pairs-file", required=True)
    lo.add_argument("--stop-file", required=True)
    lo.add_argument("--threads", type=int, default=4)
    lo.add_argument("--tag", required=True)
    args = ap.parse_args()
    if args.cmd == "chat":
        return asyncio.run(chat(args))
    return load(args)


if __name__ == "__main__":
    sys.exit(main())
