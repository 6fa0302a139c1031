#!/usr/bin/env python3
"""Postfix tcp_table(5) client: one key per line on stdin, all requests pipelined on one
connection to 127.0.0.1:PORT, one line per reply on stdout (the decoded value on 200,
"ERR <code> <reason>" otherwise). usage: tcp_table.py PORT"""
import socket
import sys
import threading
import urllib.parse

port = int(sys.argv[1])
keys = sys.stdin.buffer.read().decode().split("\n")
if keys and keys[-1] == "":
    keys.pop()
sock = socket.create_connection(("127.0.0.1", port), timeout=60)
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def send():
    data = b"".join(b"get " + urllib.parse.quote(k, safe="@").encode() + b"\n" for k in keys)
    sock.sendall(data)


t = threading.Thread(target=send)
t.start()
f = sock.makefile("rb")
out = []
for _ in keys:
    line = f.readline().decode().rstrip("\n")
    code, _, rest = line.partition(" ")
    out.append(urllib.parse.unquote(rest) if code == "200" else f"ERR {code} {rest}")
t.join()
sock.close()
sys.stdout.write("".join(o + "\n" for o in out))
