"""hostkit's tree lint and flattening against pyspf (Debian python3-spf).

On random zones shaped like a hosting customer's (a few mail providers, nested
includes, networks with holes, a, mx, redirect):
  1. `hostkit spf lint --json`: `lookups_worst` equals the number of DNS-querying
     terms pyspf counts (its limits lifted) for an IPv4 and for an IPv6 client that
     match nothing;
  2. `hostkit spf flatten --json`: for random client addresses and the first, last
     and neighbouring addresses of every network, pyspf gives the same result on the
     flattened records (default limits) as on the original (limits lifted), and
     counts at most 10 lookups on the flattened ones.
The generator avoids `redirect=` beside `all`, which pyspf counts as a lookup when it
parses the record (see spf/differential.py, D1).

Usage: tree.py HOSTKIT_BINARY CASES SEED
"""

import ipaddress
import json
import os
import random
import subprocess
import sys
import tempfile

import spf  # Debian python3-spf

HOSTKIT, CASES, SEED = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ZONE = {}


def lookup(name, qtype, strict=True, timeout=None):
    name = name.rstrip(".").lower()
    out = []
    for t, v in ZONE.get(name, []):
        if t != qtype:
            continue
        if t == "TXT":
            out.append(((name, t), [v.encode()]))
        elif t == "MX":
            out.append(((name, t), (v[0], v[1])))
        else:
            out.append(((name, t), v))
    return out


spf.DNSLookup = lookup


def limits(lifted):
    spf.MAX_LOOKUP = 10_000 if lifted else 10
    spf.MAX_VOID_LOOKUPS = 10_000 if lifted else 2


def pyspf(zone, ip, lifted):
    global ZONE
    ZONE = zone
    limits(lifted)
    q = spf.query(i=ip, s="alice@example.com", h="mail.example.org", strict=True)
    res, _code, _exp = q.check()
    return res, q.lookups


def v4(r):
    return "10.0.%d.%d" % (r.randrange(4), r.randrange(256))


def v6(r):
    return "2001:db8:0:%x::%x" % (r.randrange(4), r.randrange(300))


def qual(r):
    return r.choice(["", "", "", "", "-", "~", "?"])


def host(zone, r, name):
    if r.random() < 0.1:
        return
    for _ in range(1 + r.randrange(2)):
        zone.setdefault(name, []).append(("A", v4(r)))
    if r.random() < 0.6:
        zone[name].append(("AAAA", v6(r)))


def cidr(r):
    s = ""
    if r.random() < 0.4:
        s += "/%d" % (22 + r.randrange(11))
    if r.random() < 0.3:
        s += "//%d" % (56 + r.randrange(73))
    return s


def provider_record(zone, r, name, me, n):
    terms = ["v=spf1"]
    for i in range(1 + r.randrange(5)):
        k = r.randrange(10)
        if k < 2:
            terms.append("%sip4:%s/%d" % (qual(r), v4(r), 16 + r.randrange(17)))
        elif k == 2:
            terms.append("%sip6:%s/%d" % (qual(r), v6(r), 48 + r.randrange(81)))
        elif k == 3:
            h = "h%d.%s" % (i, name)
            host(zone, r, h)
            terms.append("%sa:%s%s" % (qual(r), h, cidr(r)))
        elif k == 4:
            m = "m%d.%s" % (i, name)
            for j in range(1 + r.randrange(3)):
                x = "x%d.%s" % (j, m)
                zone.setdefault(m, []).append(("MX", [10 * j, x]))
                host(zone, r, x)
            terms.append("%smx:%s%s" % (qual(r), m, cidr(r)))
        elif me + 1 < n:
            terms.append("%sinclude:p%d.example.net" % (qual(r), r.randrange(me + 1, n)))
        else:
            terms.append("-ip4:%s" % v4(r))
    k = r.randrange(10)
    if k < 2 and me + 1 < n:
        terms.append("redirect=p%d.example.net" % r.randrange(me + 1, n))
    elif k == 2:
        terms.append("~all")
    elif k == 3:
        terms.append("?all")
    elif k == 4:
        pass
    else:
        terms.append("-all")
    return " ".join(terms)


def customer(r):
    zone = {}
    n = 1 + r.randrange(5)
    for i in reversed(range(n)):
        name = "p%d.example.net" % i
        zone.setdefault(name, []).append(("TXT", provider_record(zone, r, name, i, n)))
    root = ["v=spf1"]
    if r.random() < 0.4:
        zone.setdefault("example.com", []).append(("MX", [10, "mx1.example.com"]))
        host(zone, r, "mx1.example.com")
        root.append("mx")
    for i in range(n):
        if r.random() < 0.85:
            root.append("%sinclude:p%d.example.net" % (qual(r), i))
    if r.random() < 0.5:
        root.append("ip4:%s/28" % v4(r))
    root.append(r.choice(["-all", "-all", "~all"]))
    zone.setdefault("example.com", []).append(("TXT", " ".join(root)))
    return zone


def write_zone(zone):
    data = {name: [{t: v} for t, v in recs] for name, recs in zone.items()}
    fd, path = tempfile.mkstemp(suffix=".yml")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)  # JSON is YAML
    return path


def hostkit(verb, path):
    p = subprocess.run(
        [HOSTKIT, "spf", verb, "--json", "--zone", path, "--domain", "example.com"],
        capture_output=True, text=True, check=False)
    return p.returncode, json.loads(p.stdout)


def edges(net):
    n = ipaddress.ip_network(net, strict=False)
    lo, hi = int(n.network_address), int(n.broadcast_address)
    cls = ipaddress.IPv4Address if n.version == 4 else ipaddress.IPv6Address
    top = 2 ** n.max_prefixlen - 1
    return [str(cls(x)) for x in (lo - 1, lo, hi, hi + 1) if 0 <= x <= top]


def probes(zone, r):
    out = set()
    for recs in zone.values():
        for t, v in recs:
            if t in ("A", "AAAA"):
                for p in ((32, 24, 22) if t == "A" else (128, 64)):
                    out.update(edges("%s/%d" % (v, p)))
            elif t == "TXT":
                for term in v.split()[1:]:
                    term = term.lstrip("+-~?")
                    if term.startswith(("ip4:", "ip6:")):
                        out.update(edges(term[4:]))
    for _ in range(20):
        out.add(v4(r))
        out.add(v6(r))
    out.update(["192.0.2.200", "2001:db8:ffff::1"])
    out = sorted(out)
    r.shuffle(out)
    return out[:150]


def main():
    r = random.Random(SEED)
    passed = failed = 0
    refused = 0
    seen = {}
    for case in range(CASES):
        zone = customer(r)
        path = write_zone(zone)
        try:
            _rc, lint = hostkit("lint", path)
            bad = []
            for ip in ("192.0.2.200", "2001:db8:ffff::1"):
                res, lookups = pyspf(zone, ip, True)
                if lookups != lint["lookups_worst"] or res in ("pass", "permerror"):
                    bad.append("%s: pyspf %s with %d lookups, hostkit lookups_worst %d"
                               % (ip, res, lookups, lint["lookups_worst"]))
            if bad:
                failed += 1
                print("FAIL lint case %d: %s" % (case, "; ".join(bad)))
                print("  zone: %s" % json.dumps(zone))
            else:
                passed += 1
            rc, flat = hostkit("flatten", path)
            if rc != 0:
                # Only a chain longer than 10 lookups may be refused.
                if flat.get("error_code") == "flatten.over_limit":
                    refused += 1
                else:
                    failed += 1
                    print("FAIL flatten case %d refused: %s" % (case, flat.get("error")))
                continue
            after = {k: list(v) for k, v in zone.items()}
            for rec in flat["records"]:
                after[rec["name"]] = [(t, v) for t, v in after.get(rec["name"], []) if t != "TXT"]
                after[rec["name"]].append(("TXT", rec["value"]))
            bad = []
            for ip in probes(zone, r) + probes(after, r):
                want, _ = pyspf(zone, ip, True)
                seen[want] = seen.get(want, 0) + 1
                got, lookups = pyspf(after, ip, False)
                if got != want or lookups > 10:
                    bad.append("%s: original %s, flattened %s (%d lookups)" % (ip, want, got, lookups))
            if bad:
                failed += 1
                print("FAIL flatten case %d: %s" % (case, "; ".join(bad[:5])))
                print("  zone: %s" % json.dumps(zone))
                print("  records: %s" % json.dumps(flat["records"]))
            else:
                passed += 1
        finally:
            os.unlink(path)
    print("lint and flatten: %d cases, %d flattenings refused as over 10 lookups"
          % (CASES, refused))
    print("client checks by original result: %s" % ", ".join(
        "%s %d" % kv for kv in sorted(seen.items())))
    print("%d passed, %d failed" % (passed, failed))


main()
