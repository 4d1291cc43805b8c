#!/usr/bin/python3
"""Reads a mail as received (RFC 5322) the way a mail program does, for the delivery tests:
prints JSON {headers, content_type, text, html} with both parts decoded, and with
--dkim-public FILE (a DER public key, base64) whether its DKIM signature verifies (dkimpy), the key
served as the DNS TXT record of whatever selector and domain the signature names.

  read_mail.py MAIL [--dkim-public FILE]
"""
import email
import json
import sys
from email import policy


def main():
    raw = open(sys.argv[1], "rb").read()
    msg = email.message_from_bytes(raw, policy=policy.default)
    out = {
        "headers": {k: str(v) for k, v in msg.items()},
        "content_type": msg.get_content_type(),
    }
    for kind in ("plain", "html"):
        part = msg.get_body(preferencelist=(kind,))
        out["text" if kind == "plain" else "html"] = part.get_content() if part is not None else None
    if len(sys.argv) > 3 and sys.argv[2] == "--dkim-public":
        import dkim
        key = open(sys.argv[3]).read().strip()
        asked = []

        def dns(name, timeout=5):
            asked.append(name.decode() if isinstance(name, bytes) else name)
            return ("v=DKIM1; k=rsa; p=" + key).encode()

        out["dkim"] = bool(dkim.verify(raw, dnsfunc=dns))
        out["dkim_dns_names"] = asked
    print(json.dumps(out))


if __name__ == "__main__":
    main()
