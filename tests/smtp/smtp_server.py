#!/usr/bin/python3
"""A real SMTP server for the delivery tests (tests/integration/smtp_delivery_test.cpp): Debian's
aiosmtpd, on 127.0.0.1, with what a test asks for. Each message it accepts (or holds) is written
to OUT/<n>.eml with OUT/<n>.json beside it: envelope, client port (one per connection), whether
TLS and AUTH were used. Prints "ready" once it listens; stops on SIGTERM.

  smtp_server.py --port P --out DIR [--tls none|starttls|implicit --cert F --key F]
                 [--auth USER:PASSWORD] [--tempfail-data N] [--reject-rcpt ADDRESS] [--hold]

--tempfail-data N: the first N mails get 451 after DATA (and are not kept).
--reject-rcpt A:   RCPT TO:<A> gets 550 5.1.1 (no such user).
--hold:            after a message's data the reply waits (OUT/held appears) until OUT/release
                   exists: a test kills the client meanwhile. The message counts as received.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--tls", default="none", choices=["none", "starttls", "implicit"])
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    p.add_argument("--tempfail-data", type=int, default=0)
    p.add_argument("--reject-rcpt")
    p.add_argument("--hold", action="store_true")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    state = {"n": 0, "tempfails": a.tempfail_data}
    lock = threading.Lock()

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if a.reject_rcpt and address.lower() == a.reject_rcpt.lower():
                return "550 5.1.1 No such user here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            with lock:
                if state["tempfails"] > 0:
                    state["tempfails"] -= 1
                    return "451 4.3.0 Try again later"
                state["n"] += 1
                n = state["n"]
            meta = {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "client_port": session.peer[1],
                # (an implicit-TLS listener wraps every connection; aiosmtpd marks only STARTTLS ones)
                "tls": a.tls == "implicit" or session.ssl is not None,
                "authenticated": bool(session.authenticated),
            }
            with open(os.path.join(a.out, f"{n}.eml"), "wb") as f:
                f.write(envelope.original_content)
            # (the .json appears last and whole: a reader that sees it sees the message)
            with open(os.path.join(a.out, f"{n}.json.tmp"), "w") as f:
                json.dump(meta, f)
            os.rename(os.path.join(a.out, f"{n}.json.tmp"), os.path.join(a.out, f"{n}.json"))
            if a.hold:
                open(os.path.join(a.out, "held"), "w").close()
                while not os.path.exists(os.path.join(a.out, "release")):
                    await asyncio.sleep(0.05)
            return "250 2.0.0 Accepted"

    def authenticator(server, session, envelope, mechanism, auth_data):
        user, password = a.auth.split(":", 1)
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and \
            auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False)

    kwargs = {"hostname": "127.0.0.1", "port": a.port, "server_hostname": "localhost"}
    if a.tls != "none":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
        if a.tls == "implicit":
            kwargs["ssl_context"] = ctx
        else:
            kwargs["tls_context"] = ctx
            kwargs["require_starttls"] = True
    if a.auth:
        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        # STARTTLS: AUTH only once TLS is up (implicit TLS: always up, but aiosmtpd cannot tell)
        kwargs["auth_require_tls"] = a.tls == "starttls"
    else:
        kwargs["auth_require_tls"] = False
    controller = Controller(Handler(), **kwargs)
    # (the controller's own readiness check would speak plain SMTP to an implicit-TLS port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    sys.exit(main())
