"""Shared helpers for the PROXY protocol interop drivers (stdlib only)."""
import json
import socket
import subprocess


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(host, port, timeout=10.0):
    import time
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def decode(hostkit, raw):
    """Run `hostkit proxy decode --stdin --json` on raw bytes; return (exit, json)."""
    p = subprocess.run([hostkit, "proxy", "decode", "--stdin", "--json"],
                       input=raw, capture_output=True, timeout=30)
    try:
        return p.returncode, json.loads(p.stdout.decode())
    except ValueError:
        return p.returncode, {"status": "no-json", "error": p.stderr.decode()}


class Tally:
    def __init__(self, label):
        self.label = label
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s: %s %s" % (self.label, name, detail), flush=True)
        return ok
