#!/usr/bin/env python3
"""Real balancers in front of `proxy_http` (hyper on the accept policy): HAProxy
(send-proxy-v2 with the SSL TLV over TLS with and without a client certificate,
send-proxy-v2 in http mode, send-proxy v1) and nginx's stream module (proxy_protocol
on). Each client connects from its own 127.0.0.x address; the answer and the
server's request log must name that address, and the TLS verdict must be what the
client did. A peer outside --trusted that sends a header is closed unanswered.

Then nginx's http module and Apache's mod_remoteip, which read PROXY headers but
cannot send them upstream, receive what `proxy_forward` sends and must log the real
client address.

usage: balancers.py STATE_DIR PROXY_HTTP PROXY_FORWARD   (certificates in STATE_DIR/certs)
Prints one line per check and a final `balancers: N passed, M failed`.
"""
import os
import re
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Tally, free_port, wait_port  # noqa: E402

STATE, PROXY_HTTP, PROXY_FORWARD = sys.argv[1], sys.argv[2], sys.argv[3]
CERTS = os.path.join(STATE, "certs")
procs = []


def spawn(args, log_name, **kw):
    log = open(os.path.join(STATE, log_name), "w")
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **kw)
    procs.append(p)
    return p


def read_log(name):
    try:
        return open(os.path.join(STATE, name)).read()
    except OSError:
        return ""


def wait_line(name, pattern, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        m = re.search(pattern, read_log(name))
        if m:
            return m
        time.sleep(0.05)
    return None


def get(port, source, path, tls=None, cert=False):
    """One HTTP/1.0 GET from `source`; returns (our address, body or None)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    me = "%s:%d" % s.getsockname()[:2]
    try:
        if tls:
            ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.crt"))
            if cert:
                ctx.load_cert_chain(os.path.join(CERTS, "client.crt"), os.path.join(CERTS, "client.key"))
            s = ctx.wrap_socket(s, server_hostname="proxy.test")
        s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\nHost: proxy.test\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        data = b""
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.") or b" 200 " not in head.split(b"\r\n")[0] + b" ":
        return me, None
    return me, body.decode(errors="replace")


def stop_all():
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def start_app(t):
    port = free_port()
    spawn([PROXY_HTTP, "--listen", "127.0.0.1:%d" % port, "--trusted", "127.0.0.1/32",
           "--timeout-ms", "3000"], "proxy_http.log")
    ok = wait_line("proxy_http.log", r"listening on 127\.0\.0\.1:%d" % port) is not None
    t.check("proxy_http started", ok, read_log("proxy_http.log"))
    return port


def check_request(t, name, port, source, path, want_tls, tls=None, cert=False):
    me, body = get(port, source, path, tls=tls, cert=cert)
    want = "client=%s tls=%s\n" % (me, want_tls)
    t.check("%s: answer names the client" % name, body == want, "got %r want %r" % (body, want))
    logged = wait_line("proxy_http.log", r"request client=%s .* tls=%s GET %s\b" % (re.escape(me), want_tls, re.escape(path)), 5)
    t.check("%s: request logged with the client's address" % name, logged is not None,
            "no log line for %s %s" % (me, path))
    print("ok %s: %s" % (name, want.strip()) if body == want else "-- %s" % name, flush=True)


def haproxy(t, app):
    ports = {k: free_port() for k in ("tls", "http", "v1")}
    cfg = os.path.join(STATE, "haproxy-front.cfg")
    with open(cfg, "w") as f:
        f.write("""global
    maxconn 200
defaults
    mode tcp
    timeout connect 5s
    timeout client 10s
    timeout server 10s
frontend tls
    bind 127.0.0.1:%(tls)d ssl crt %(certs)s/server.pem ca-file %(certs)s/ca.crt verify optional
    default_backend app_ssl
backend app_ssl
    server s 127.0.0.1:%(app)d send-proxy-v2 proxy-v2-options ssl,cert-cn
frontend plain_http
    mode http
    bind 127.0.0.1:%(http)d
    default_backend app_http
backend app_http
    mode http
    server s 127.0.0.1:%(app)d send-proxy-v2
frontend plain_v1
    bind 127.0.0.1:%(v1)d
    default_backend app_v1
backend app_v1
    server s 127.0.0.1:%(app)d send-proxy
""" % dict(ports, certs=CERTS, app=app))
    spawn(["haproxy", "-db", "-f", cfg], "haproxy-front.log")
    up = all(wait_port("127.0.0.1", p) for p in ports.values())
    if not t.check("haproxy started", up, read_log("haproxy-front.log")):
        return
    check_request(t, "haproxy tls, no client certificate", ports["tls"], "127.0.0.11", "/tls", "tls", tls=True)
    check_request(t, "haproxy tls, verified client certificate", ports["tls"], "127.0.0.12", "/cert", "cert_verified", tls=True, cert=True)
    check_request(t, "haproxy http mode, v2", ports["http"], "127.0.0.13", "/http", "none")
    check_request(t, "haproxy tcp mode, v1", ports["v1"], "127.0.0.14", "/v1", "none")


def nginx_conf(body):
    for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(STATE, "nginx", d), exist_ok=True)
    temp = "".join("    %s_temp_path %s/nginx/%s;\n" % (d, STATE, d)
                   for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return ("load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n"
            "daemon off;\nmaster_process off;\npid %s/nginx.pid;\nerror_log %s/nginx-error.log info;\n"
            "events { worker_connections 256; }\n" % (STATE, STATE)) + body.replace("@TEMP@", temp)


def nginx(t, app):
    stream_port, http_port, fwd_port = free_port(), free_port(), free_port()
    cfg = os.path.join(STATE, "nginx.conf")
    with open(cfg, "w") as f:
        f.write(nginx_conf("""stream {
    server {
        listen 127.0.0.1:%(stream)d;
        proxy_pass 127.0.0.1:%(app)d;
        proxy_protocol on;
    }
}
http {
@TEMP@    log_format pp 'real=$proxy_protocol_addr:$proxy_protocol_port peer=$remote_addr uri=$request_uri';
    access_log %(state)s/nginx-access.log pp;
    server {
        listen 127.0.0.1:%(http)d proxy_protocol;
        location / { return 200 "real=$proxy_protocol_addr:$proxy_protocol_port\\n"; }
    }
}
""" % dict(stream=stream_port, http=http_port, app=app, state=STATE)))
    spawn(["nginx", "-p", STATE, "-e", os.path.join(STATE, "nginx-error.log"), "-c", cfg], "nginx.log")
    up = wait_port("127.0.0.1", stream_port) and wait_port("127.0.0.1", http_port)
    if not t.check("nginx started", up, read_log("nginx.log") + read_log("nginx-error.log")):
        return
    check_request(t, "nginx stream, proxy_protocol on", stream_port, "127.0.0.21", "/stream", "none")
    # nginx http reads the header that proxy_forward sends (v1 and v2).
    for v in ("1", "2"):
        spawn([PROXY_FORWARD, "--listen", "127.0.0.1:%d" % fwd_port, "--upstream",
               "127.0.0.1:%d" % http_port, "--proxy-version", v], "fwd-nginx-%s.log" % v)
        wait_line("fwd-nginx-%s.log" % v, "listening on")
        me, body = get(fwd_port, "127.0.0.2%s" % (int(v) + 1), "/nginx-http-v" + v)
        want = "real=%s\n" % me
        t.check("nginx http reads proxy_forward's v%s header" % v, body == want, "got %r want %r" % (body, want))
        logged = wait_line("nginx-access.log", r"real=%s peer=127\.0\.0\.1 uri=/nginx-http-v%s" % (re.escape(me), v), 5)
        t.check("nginx http logs the real client (v%s)" % v, logged is not None, read_log("nginx-access.log"))
        procs[-1].terminate()
        procs[-1].wait()
        fwd_port = free_port()


def apache(t):
    port, fwd_port = free_port(), free_port()
    os.makedirs(os.path.join(STATE, "apache", "htdocs"), exist_ok=True)
    with open(os.path.join(STATE, "apache", "htdocs", "index.html"), "w") as f:
        f.write("apache\n")
    mods = "/usr/lib/apache2/modules"
    cfg = os.path.join(STATE, "apache.conf")
    with open(cfg, "w") as f:
        f.write("""ServerRoot %(state)s/apache
ServerName localhost
Listen 127.0.0.1:%(port)d
PidFile %(state)s/apache/httpd.pid
ErrorLog %(state)s/apache-error.log
LoadModule mpm_event_module %(mods)s/mod_mpm_event.so
LoadModule authz_core_module %(mods)s/mod_authz_core.so
LoadModule dir_module %(mods)s/mod_dir.so
LoadModule remoteip_module %(mods)s/mod_remoteip.so
User nobody
Group nogroup
DocumentRoot %(state)s/apache/htdocs
DirectoryIndex index.html
RemoteIPProxyProtocol On
LogFormat "client=%%a:%%{remote}p peer=%%{c}a uri=%%U" pp
CustomLog %(state)s/apache-access.log pp
<Directory %(state)s/apache/htdocs>
    Require all granted
</Directory>
""" % dict(state=STATE, port=port, mods=mods))
    os.chmod(STATE, 0o755)
    for root, dirs, files in os.walk(os.path.join(STATE, "apache")):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for fn in files:
            os.chmod(os.path.join(root, fn), 0o644)
    spawn(["apache2", "-X", "-f", cfg], "apache.log")
    if not t.check("apache started", wait_port("127.0.0.1", port),
                   read_log("apache.log") + read_log("apache-error.log")):
        return
    for v in ("1", "2"):
        spawn([PROXY_FORWARD, "--listen", "127.0.0.1:%d" % fwd_port, "--upstream",
               "127.0.0.1:%d" % port, "--proxy-version", v], "fwd-apache-%s.log" % v)
        wait_line("fwd-apache-%s.log" % v, "listening on")
        me, body = get(fwd_port, "127.0.0.3%s" % v, "/index.html")
        t.check("apache answers through proxy_forward v%s" % v, body == "apache\n", "got %r" % body)
        logged = wait_line("apache-access.log", r"client=%s peer=127\.0\.0\.1 uri=/index.html" % re.escape(me), 5)
        t.check("apache mod_remoteip logs the real client (v%s)" % v, logged is not None,
                read_log("apache-access.log") + read_log("apache-error.log"))
        procs[-1].terminate()
        procs[-1].wait()
        fwd_port = free_port()


def main():
    t = Tally("balancers")
    try:
        app = start_app(t)
        # An untrusted peer that sends a header: closed without an answer.
        s = socket.create_connection(("127.0.0.1", app), timeout=10, source_address=("127.0.0.9", 0))
        s.sendall(b"PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\nGET / HTTP/1.0\r\n\r\n")
        try:
            got = s.recv(100)
        except OSError:
            got = b""
        s.close()
        t.check("untrusted peer with a header gets no answer", got == b"", repr(got))
        haproxy(t, app)
        nginx(t, app)
        apache(t)
    finally:
        stop_all()
    print("balancers: %d passed, %d failed" % (t.passed, t.failed), flush=True)
    sys.exit(1 if t.failed else 0)


main()
