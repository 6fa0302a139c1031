#!/usr/bin/env python3
"""HAProxy as the PROXY header RECEIVER (accept-proxy): headers built by the hostkit
CLI with random versions, families, addresses, ports and TLVs must be accepted, and
HAProxy must report back exactly the addresses, authority and unique id they carry.

usage: receiver.py HOSTKIT_BIN STATE_DIR [COUNT]
Prints a final `N passed, M failed`.
"""
import ipaddress
import os
import random
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Tally, free_port, wait_port  # noqa: E402

HOSTKIT, STATE = sys.argv[1], sys.argv[2]
COUNT = int(sys.argv[3]) if len(sys.argv) > 3 else 240
REQ = b"GET / HTTP/1.0\r\nHost: x\r\n\r\n"
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"

CONFIG = """global
    nbthread 1
defaults
    mode http
    timeout connect 2s
    timeout client 3s
    timeout server 3s
frontend check
    bind 127.0.0.1:%d accept-proxy
    http-request return status 200 content-type text/plain lf-string "src=%%[src] sport=%%[src_port] dst=%%[dst] dport=%%[dst_port] rcvd=%%[fc_rcvd_proxy] authority=%%[fc_pp_authority] uid=%%[fc_pp_unique_id] end\\n"
"""


def rand_ip(rng, v6):
    if not v6:
        return ipaddress.IPv4Address(rng.getrandbits(32))
    kind = rng.randrange(3)
    if kind == 0:
        return ipaddress.IPv6Address(rng.getrandbits(128))
    if kind == 1:  # sparse, so that :: shows up
        return ipaddress.IPv6Address(rng.getrandbits(16) << (16 * rng.randrange(8)))
    return ipaddress.IPv6Address("2001:db8::%x" % rng.getrandbits(16))


def endpoint(ip, port):
    return "[%s]:%d" % (ip, port) if ip.version == 6 else "%s:%d" % (ip, port)


def to_v6(ip):
    return ip if ip.version == 6 else ipaddress.IPv6Address("::ffff:%s" % ip)


def case(rng):
    version = rng.choice([1, 2, 2])
    local = rng.random() < 0.08
    fam = rng.choice(["4", "6", "mixed"])
    src = rand_ip(rng, fam == "6")
    dst = rand_ip(rng, fam in ("6", "mixed"))
    sport, dport = rng.randrange(65536), rng.randrange(65536)
    args = ["proxy", "encode", "--version", str(version)]
    if local:
        args.append("--local")
    if not local or rng.random() < 0.5:
        args += ["--src", endpoint(src, sport), "--dst", endpoint(dst, dport)]
    exp = {"local": local, "src": src, "dst": dst, "sport": sport, "dport": dport,
           "authority": "", "uid": ""}
    if version == 2:
        if rng.random() < 0.5:
            exp["authority"] = "".join(rng.choice(ALNUM + ".-") for _ in range(rng.randrange(1, 100)))
            args += ["--authority", exp["authority"]]
        if rng.random() < 0.5:
            exp["uid"] = "".join(rng.choice(ALNUM) for _ in range(rng.randrange(1, 129)))
            args += ["--unique-id", exp["uid"].encode().hex()]
        if rng.random() < 0.3:
            args += ["--alpn", rng.choice(["h2", "http/1.1", "h3"])]
        for _ in range(rng.randrange(3)):
            kind = rng.choice([0x04, 0x30, 0xE0, 0xE5, 0xEA, 0xEF, 0xF0])
            val = bytes(rng.getrandbits(8) for _ in range(rng.randrange(40)))
            args += ["--tlv", "0x%02x=%s" % (kind, val.hex())]
        if rng.random() < 0.5:
            args.append("--crc32c")
    return args, exp


def ask(port, header):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    me = s.getsockname()
    s.sendall(header + REQ)
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    body = data.split(b"\r\n\r\n", 1)[-1].decode(errors="replace").strip()
    fields = dict(kv.split("=", 1) for kv in body.split() if "=" in kv)
    fields["complete"] = body.endswith(" end")
    return me, fields


def main():
    t = Tally("haproxy receiver")
    rng = random.Random(int(os.environ.get("PROXY_INTEROP_SEED", "20261127")))
    port = free_port()
    cfg = os.path.join(STATE, "haproxy-accept.cfg")
    open(cfg, "w").write(CONFIG % port)
    log = open(os.path.join(STATE, "haproxy-accept.log"), "w")
    hap = subprocess.Popen(["haproxy", "-db", "-f", cfg], stdout=log, stderr=subprocess.STDOUT)
    open(os.path.join(STATE, "pids"), "a").write("%d\n" % hap.pid)
    counts = {"v1": 0, "v2": 0, "local": 0, "crc": 0, "tlvs": 0}
    try:
        if not wait_port("127.0.0.1", port):
            t.check("haproxy receiver started", False)
            print("%d passed, %d failed" % (t.passed, t.failed))
            return 1
        for i in range(COUNT):
            args, exp = case(rng)
            p = subprocess.run([HOSTKIT] + args, capture_output=True, timeout=30)
            if not t.check("case %d encode" % i, p.returncode == 0, (args, p.stderr)):
                continue
            header = bytes.fromhex(p.stdout.decode().strip())
            counts["v1" if header.startswith(b"PROXY") else "v2"] += 1
            counts["local"] += exp["local"]
            counts["crc"] += "--crc32c" in args
            counts["tlvs"] += "--tlv" in args or "--authority" in args
            me, got = ask(port, header)
            what = "case %d %s" % (i, " ".join(args[2:]))
            if not t.check(what + " accepted", got.get("rcvd") == "1" and got["complete"], got):
                continue
            if exp["local"]:
                want = (ipaddress.ip_address(me[0]), me[1], ipaddress.ip_address("127.0.0.1"), port)
            else:
                src, dst = exp["src"], exp["dst"]
                if src.version != dst.version:
                    # mixed families travel as IPv6 with the IPv4 side mapped
                    src, dst = to_v6(src), to_v6(dst)
                want = (src, exp["sport"], dst, exp["dport"])
            try:
                back = (ipaddress.ip_address(got["src"]), int(got["sport"]),
                        ipaddress.ip_address(got["dst"]), int(got["dport"]))
            except (KeyError, ValueError):
                back = None
            t.check(what + " addresses", back == want, (back, want))
            # HAProxy 2.6 does not read the TLVs of a LOCAL header (later versions do).
            want_auth = "" if exp["local"] else exp["authority"]
            want_uid = "" if exp["local"] else exp["uid"]
            t.check(what + " authority", got.get("authority", "") == want_auth, got.get("authority"))
            t.check(what + " unique id", got.get("uid", "") == want_uid, got.get("uid"))
    finally:
        hap.terminate()
        hap.wait(timeout=10)
    print("receiver: %d headers (%d v1, %d v2, %d local, %d with crc32c, %d with tlvs)" % (
        COUNT, counts["v1"], counts["v2"], counts["local"], counts["crc"], counts["tlvs"]))
    print("receiver: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
