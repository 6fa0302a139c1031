#!/usr/bin/python3
"""Differential test of `hostkit caa parse` against dnspython.

Generates CAA records from a fixed seed (flags, known and odd tags, issue values with
parameters, quotes, backslashes, control bytes, non-UTF-8 bytes, values over 255 bytes,
invalid tags), then checks in both directions:
  text -> wire: the same wire bytes and value (or both refuse the text);
  wire -> text: the same canonical text and value (or both refuse the RDATA).
Prints one line per mismatch and ends with "N passed, M failed".
Usage: differential.py HOSTKIT_BINARY [COUNT]
"""
import json
import random
import subprocess
import sys

import dns.exception
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.wire

IN = dns.rdataclass.IN
CAA = dns.rdatatype.CAA
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def peer_text(text):
    try:
        rd = dns.rdata.from_text(IN, CAA, text)
    except (dns.exception.DNSException, ValueError, UnicodeError):
        return None
    return {"wire_hex": rd.to_wire().hex(), "value_hex": rd.value.hex(), "text": rd.to_text()}


def peer_wire(hexstr):
    wire = bytes.fromhex(hexstr)
    try:
        parser = dns.wire.Parser(wire)
        with parser.restrict_to(len(wire)):
            rd = dns.rdata.from_wire_parser(IN, CAA, parser)
    except (dns.exception.DNSException, ValueError, UnicodeError):
        return None
    return {"wire_hex": rd.to_wire().hex(), "value_hex": rd.value.hex(), "text": rd.to_text()}


def gen_tag(rng):
    r = rng.random()
    if r < 0.45:
        return rng.choice(["issue", "issuewild", "iodef", "issuemail", "Issue", "ISSUEWILD", "IoDeF"])
    if r < 0.55:
        return rng.choice(["tbs", "caatestsuitedummyproperty", "contactemail", "t0", "x"])
    if r < 0.95:
        return "".join(rng.choice(ALNUM) for _ in range(rng.randint(1, 40)))
    if r < 0.97:
        return "a" * 255
    # invalid tags: both must refuse
    return rng.choice(["a-b", "issue_x", "is.sue", "tag*"])


def gen_value(rng):
    r = rng.random()
    if r < 0.35:
        issuer = rng.choice(["letsencrypt.org", "ca.example", "pki.goog", "sectigo.com", "", " ca.example "])
        params = []
        for _ in range(rng.randint(0, 3)):
            k = rng.choice(["accounturi", "validationmethods", "account", "policy", "AccountURI", "a-b"])
            v = rng.choice(["https://acme.example/acct/" + str(rng.randint(1, 10**9)), "dns-01,http-01", "", "ev"])
            params.append(f"{k}={v}")
        s = issuer + ("; " + "; ".join(params) if params or rng.random() < 0.3 else "")
        return s.encode()
    if r < 0.45:
        return rng.choice([b"mailto:security@example.com", b"https://iodef.example/report", b";", b"", b"%%%%%"])
    if r < 0.7:
        # printable ASCII with the characters that need escaping
        alphabet = ALNUM + " \"\\;()=.,:-_/@%$'\t"
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))).encode()
    if r < 0.85:
        return bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 40)))
    if r < 0.95:
        return "".join(rng.choice(ALNUM + " ;") for _ in range(rng.randint(256, 1200))).encode()
    return "é☕ü".encode() + bytes(rng.randint(0x20, 0x7E) for _ in range(rng.randint(0, 10)))


def to_text(rng, flags, tag, value):
    """Zone text for the record, or None when a faithful text would need an escape
    dnspython reads differently (\\DDD above 127, see the crate README)."""
    style = rng.random()
    if style < 0.08:
        wire = bytes([flags, len(tag)]) + tag.encode() + value
        return "\\# %d %s" % (len(wire), wire.hex())
    try:
        as_text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    out = []
    for ch in as_text:
        b = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif b < 0x20 or b == 0x7F:
            out.append("\\%03d" % b)
        elif b < 0x80 and rng.random() < 0.05:
            # gratuitous escapes, both kinds
            # `\X` with a digit X would start a \DDD escape, so digits get \DDD only
            out.append("\\%03d" % b if ch.isdigit() or rng.random() < 0.5 else "\\" + ch)
        else:
            out.append(ch)
    body = "".join(out)
    flag_text = str(flags) if rng.random() < 0.9 else "%03d" % flags
    unquotable = value and not any(c in value for c in b' \t"\\;()') and all(0x21 <= b < 0x7F for b in value)
    if unquotable and rng.random() < 0.5:
        return f"{flag_text} {tag} {body}"
    return f'{flag_text} {tag} "{body}"'


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    hostkit = argv[1]
    count = int(argv[2]) if len(argv) > 2 else 1200
    rng = random.Random(8659)
    records = []
    for _ in range(count):
        flags = rng.choice([0, 0, 0, 128, 1, 2, 127, 129, 130, 255, rng.randint(0, 255)])
        tag = gen_tag(rng)
        value = gen_value(rng)
        records.append((flags, tag, value))

    passed = failed = skipped_text = 0
    texts = []
    for flags, tag, value in records:
        t = to_text(rng, flags, tag, value)
        if t is None:
            skipped_text += 1
        texts.append(t)

    # text -> wire, all texts in one run (one per line on standard input)
    batch = [t for t in texts if t is not None]
    run = subprocess.run(
        [hostkit, "caa", "parse", "--json"],
        input="\n".join(batch) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    ours_text = [json.loads(line) for line in run.stdout.splitlines()]
    if len(ours_text) != len(batch):
        print(f"hostkit printed {len(ours_text)} lines for {len(batch)} inputs")
        print("0 passed, 1 failed")
        return 1
    text_cases = 0
    for t, ours in zip(batch, ours_text):
        peer = peer_text(t)
        text_cases += 1
        if peer is None and "error" in ours:
            passed += 1
        elif peer is not None and "error" not in ours and all(
            peer[k] == ours[k] for k in ("wire_hex", "value_hex", "text")
        ):
            passed += 1
        else:
            failed += 1
            print(f"text mismatch: {t!r}\n  dnspython: {peer}\n  hostkit:   {ours}")

    # wire -> text, one run per record
    wire_cases = 0
    for flags, tag, value in records:
        tb = tag.encode()
        if len(tb) > 255:
            continue
        wire = (bytes([flags, len(tb)]) + tb + value).hex()
        peer = peer_wire(wire)
        run = subprocess.run(
            [hostkit, "caa", "parse", "--json", "--wire", wire],
            capture_output=True,
            text=True,
            check=False,
        )
        ours = json.loads(run.stdout.splitlines()[0]) if run.stdout else {"error": run.stderr}
        wire_cases += 1
        if peer is None and "error" in ours:
            passed += 1
        elif peer is not None and "error" not in ours and all(
            peer[k] == ours[k] for k in ("wire_hex", "value_hex", "text")
        ) and ours["wire_hex"] == wire:
            passed += 1
        else:
            failed += 1
            print(f"wire mismatch: {wire}\n  dnspython: {peer}\n  hostkit:   {ours}")

    # The records the text side skipped: written with \DDD for every byte outside
    # printable ASCII. hostkit must read back the generated bytes; dnspython reads each
    # \DDD above 127 as a code point and stores its UTF-8 encoding (a known quirk).
    quirk_inputs = []
    for (flags, tag, value), t in zip(records, texts):
        if t is not None or len(tag.encode()) > 255:
            continue
        body = "".join(
            "\\" + chr(b) if b in b'"\\' else chr(b) if 0x20 <= b < 0x7F else "\\%03d" % b
            for b in value
        )
        quirk_inputs.append((f'{flags} {tag} "{body}"', value))
    run = subprocess.run(
        [hostkit, "caa", "parse", "--json"],
        input="\n".join(t for t, _ in quirk_inputs) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    ours_quirk = [json.loads(line) for line in run.stdout.splitlines()]
    quirk_cases = 0
    for (t, value), ours in zip(quirk_inputs, ours_quirk):
        peer = peer_text(t)
        utf8 = "".join(chr(b) for b in value).encode("utf-8")
        quirk_cases += 1
        if peer is None and "error" in ours:
            passed += 1
        elif (
            peer is not None
            and ours.get("value_hex") == value.hex()
            and peer["value_hex"] == utf8.hex()
        ):
            passed += 1
        else:
            failed += 1
            print(f"quirk mismatch: {t!r}\n  dnspython: {peer}\n  hostkit:   {ours}")
    if len(ours_quirk) != len(quirk_inputs):
        failed += 1
        print(f"hostkit printed {len(ours_quirk)} lines for {len(quirk_inputs)} inputs")

    print(
        f"records: {count} generated; text->wire {text_cases} "
        f"(plus {quirk_cases} with \\DDD above 127, dnspython's UTF-8 quirk), wire->text {wire_cases}"
    )
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
