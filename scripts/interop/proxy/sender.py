#!/usr/bin/env python3
"""HAProxy as the PROXY header SENDER: every header it emits must decode with the
hostkit CLI, carry the addresses HAProxy was given and the TLVs its options ask for,
and pass the CRC32C check.

usage: sender.py HOSTKIT_BIN STATE_DIR    (certificates already in STATE_DIR/certs)
Prints one line per scenario and a final `N passed, M failed`.
"""
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Tally, decode, free_port, wait_port  # noqa: E402

HOSTKIT, STATE = sys.argv[1], sys.argv[2]
CERTS = os.path.join(STATE, "certs")
REQ = b"GET / HTTP/1.0\r\nHost: x\r\n\r\n"
UID_FMT = "unique-id-format %{+X}o\\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid"
OPTIONS = ["ssl", "cert-cn", "ssl-cipher", "cert-sig", "cert-key", "authority",
           "crc32c", "unique-id"]

# (name, version, options or None, tls, ipv6)
SCENARIOS = [("v1 tcp4", 1, None, False, False),
             ("v1 tcp6", 1, None, False, True),
             ("v1 tls", 1, None, True, False),
             ("v2 tcp4", 2, None, False, False),
             ("v2 tcp6", 2, None, False, True),
             ("v2 tls", 2, None, True, False)]
for opt in OPTIONS:
    SCENARIOS.append(("v2 tcp %s" % opt, 2, [opt], False, False))
    SCENARIOS.append(("v2 tls %s" % opt, 2, [opt], True, False))
SCENARIOS.append(("v2 tcp all options", 2, OPTIONS, False, False))
SCENARIOS.append(("v2 tls all options", 2, OPTIONS, True, False))
SCENARIOS.append(("v2 tcp6 all options", 2, OPTIONS, False, True))


class Capture:
    """Backends that record the bytes of the first connection on each port."""

    def __init__(self):
        self.got = {}
        self.lock = threading.Lock()
        self.socks = []

    def listen(self, port):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(16)
        self.socks.append(s)
        threading.Thread(target=self.loop, args=(s, port), daemon=True).start()

    def loop(self, s, port):
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            threading.Thread(target=self.read, args=(c, port), daemon=True).start()

    def read(self, c, port):
        c.settimeout(3)
        data = b""
        try:
            while not data.endswith(b"\r\n\r\n") or REQ not in data:
                chunk = c.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        c.close()
        if REQ in data:  # not a readiness probe
            with self.lock:
                self.got.setdefault(port, data)


def config(rows):
    out = ["global", "    nbthread 1", "defaults", "    mode tcp",
           "    timeout connect 2s", "    timeout client 5s", "    timeout server 5s"]
    for i, (name, version, opts, tls, v6, fport, bport) in enumerate(rows):
        host = "[::1]" if v6 else "127.0.0.1"
        bind = "    bind %s:%d" % (host, fport)
        if tls:
            bind += (" ssl crt %s/server.pem ca-file %s/ca.crt verify optional"
                     " alpn h2,http/1.1" % (CERTS, CERTS))
        out += ["listen s%d" % i, bind]
        if opts and "unique-id" in opts:
            out.append("    " + UID_FMT)
        server = "    server s 127.0.0.1:%d %s" % (bport, "send-proxy" if version == 1 else "send-proxy-v2")
        if opts:
            server += " proxy-v2-options " + ",".join(opts)
        out.append(server)
    return "\n".join(out) + "\n"


def client(fport, tls, v6):
    fam, host = (socket.AF_INET6, "::1") if v6 else (socket.AF_INET, "127.0.0.1")
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((host, fport))
    me = s.getsockname()[:2]
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.load_cert_chain(os.path.join(CERTS, "client.crt"), os.path.join(CERTS, "client.key"))
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        s = ctx.wrap_socket(s, server_hostname="proxy.test")
    s.sendall(REQ)
    try:
        s.recv(100)
    except (OSError, ssl.SSLError):
        pass
    s.close()
    return me, (host, fport)


def fmt(host, port):
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def expectations(t, name, version, opts, tls, v):
    """Check the decoded JSON `v` against what HAProxy was asked to send."""
    opts = opts or []
    names = [x["name"] for x in v["tlvs"]]
    t.check(name + " version", v["version"] == version, v["version"])
    if version == 1:
        t.check(name + " no tlvs", names == [], names)
        return
    t.check(name + " command", v["command"] == "proxy", v["command"])
    want_crc = "valid" if "crc32c" in opts else "absent"
    t.check(name + " crc32c " + want_crc, v["crc32c"] == want_crc, v["crc32c"])
    t.check(name + " unique id", ("UNIQUE_ID" in names) == ("unique-id" in opts), names)
    ssl_opts = {"ssl", "cert-cn", "ssl-cipher", "cert-sig", "cert-key"} & set(opts)
    alpn = [x for x in v["tlvs"] if x["name"] == "ALPN"]
    t.check(name + " alpn", (alpn[0]["value"] == "h2") if tls else not alpn, alpn)
    auth = [x for x in v["tlvs"] if x["name"] == "AUTHORITY"]
    want_auth = tls and "authority" in opts
    t.check(name + " authority", (auth and auth[0]["value"] == "proxy.test") if want_auth else not auth, auth)
    sslt = [x for x in v["tlvs"] if x["name"] == "SSL"]
    if not ssl_opts:
        t.check(name + " no ssl tlv", not sslt, names)
        return
    if not t.check(name + " ssl tlv", len(sslt) == 1, names):
        return
    s = sslt[0]
    subs = {x["name"]: x.get("value") for x in s["sub_tlvs"]}
    if not tls:
        t.check(name + " ssl client plain", s["client"] == 0 and not subs, s)
        return
    t.check(name + " ssl client flags", s["client"] & 1 == 1 and s["verify"] == 0, s)
    t.check(name + " ssl version", subs.get("SSL_VERSION", "").startswith("TLSv1"), subs)
    if "cert-cn" in opts:
        t.check(name + " ssl cn", subs.get("SSL_CN") == "client.example", subs)
    if "ssl-cipher" in opts:
        t.check(name + " ssl cipher", bool(subs.get("SSL_CIPHER")), subs)
    if "cert-sig" in opts:
        t.check(name + " ssl sig alg", subs.get("SSL_SIG_ALG") == "RSA-SHA256", subs)
    if "cert-key" in opts:
        t.check(name + " ssl key alg", subs.get("SSL_KEY_ALG") == "RSA2048", subs)


def main():
    t = Tally("haproxy sender")
    cap = Capture()
    rows = []
    for (name, version, opts, tls, v6) in SCENARIOS:
        fport = free_port(socket.AF_INET6, "::1") if v6 else free_port()
        bport = free_port()
        cap.listen(bport)
        rows.append((name, version, opts, tls, v6, fport, bport))
    cfg = os.path.join(STATE, "haproxy-send.cfg")
    open(cfg, "w").write(config(rows))
    log = open(os.path.join(STATE, "haproxy-send.log"), "w")
    hap = subprocess.Popen(["haproxy", "-db", "-f", cfg], stdout=log, stderr=subprocess.STDOUT)
    open(os.path.join(STATE, "pids"), "a").write("%d\n" % hap.pid)
    try:
        first = rows[0]
        if not wait_port("127.0.0.1", first[5]):
            print(open(os.path.join(STATE, "haproxy-send.log")).read())
            t.check("haproxy sender started", False)
            print("%d passed, %d failed" % (t.passed, t.failed))
            return 1
        clients = {}
        for (name, version, opts, tls, v6, fport, bport) in rows:
            clients[bport] = client(fport, tls, v6)
        end = time.time() + 5
        while time.time() < end and len(cap.got) < len(rows):
            time.sleep(0.05)
    finally:
        hap.terminate()
        hap.wait(timeout=10)
    for (name, version, opts, tls, v6, fport, bport) in rows:
        raw = cap.got.get(bport)
        if not t.check(name + " captured", raw is not None):
            continue
        code, v = decode(HOSTKIT, raw)
        if not t.check(name + " decodes", code == 0 and v.get("status") == "complete", v):
            continue
        me, fe = clients[bport]
        t.check(name + " source", v["source"] == fmt(*me), (v["source"], me))
        t.check(name + " destination", v["destination"] == fmt(*fe), (v["destination"], fe))
        t.check(name + " payload untouched", raw[v["length"]:] == REQ, raw[v["length"]:][:40])
        expectations(t, name, version, opts, tls, v)
        print("ok   %-26s %3d-byte header, tlvs %s, crc32c %s" % (
            name, v["length"], ",".join(x["name"] or "?" for x in v["tlvs"]) or "-", v["crc32c"]), flush=True)
    print("sender: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
