#!/usr/bin/env python3
"""Deterministic sender addresses for the SRS interop run: plain senders with mixed case
and special characters in the local part, subdomains, senders of the local domain, and
existing SRS0/SRS1 addresses from other forwarders (tags in any case, all separators).
usage: senders.py COUNT SEED LOCAL_DOMAIN [plain]"""
import random
import sys

count, seed, local_domain = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
plain_only = len(sys.argv) > 4 and sys.argv[4] == "plain"
rng = random.Random(seed)
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SPECIAL = "!#$&'*+/=?^_`{|}~.-%"
B64 = ALNUM + "+/"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def word(n, alphabet=ALNUM):
    return "".join(rng.choice(alphabet) for _ in range(n))


def local():
    s = word(rng.randint(1, 12))
    for _ in range(rng.randint(0, 3)):
        s += rng.choice(SPECIAL) + word(rng.randint(1, 6))
    return s


def domain():
    labels = [word(rng.randint(1, 10), ALNUM + "-").strip("-") or "x" for _ in range(rng.randint(1, 4))]
    return ".".join(labels) + "." + rng.choice(["com", "ORG", "net", "Co.Uk", "de", "example"])


def tag(n):
    t = "SRS" + n
    return rng.choice([t, t.lower(), "Srs" + n]) + rng.choice("=+-")


def srs0_local():
    return tag("0") + "=".join([word(4, B64), word(2, B32), domain(), local()])


out = []
for i in range(count):
    r = rng.random()
    if plain_only or r < 0.70:
        out.append(f"{local()}@{domain()}")
    elif r < 0.75:
        d = local_domain if rng.random() < 0.5 else local_domain.upper()
        out.append(f"{local()}@{d}")
    elif r < 0.88:
        out.append(f"{srs0_local()}@{domain()}")
    else:
        rest = srs0_local()[4:]
        out.append(f"{tag('1')}{word(4, B64)}={domain()}={rest}@{domain()}")
sys.stdout.write("".join(a + "\n" for a in out))
