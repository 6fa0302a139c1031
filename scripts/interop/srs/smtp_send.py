#!/usr/bin/python3
"""SMTP client for the Postfix interop run, one message per line of stdin:
"SENDER<TAB>RECIPIENT<TAB>SUBJECT" (an empty SENDER is the null sender).
Prints one line per message: "SUBJECT CODE" with the final reply code of the
transaction (250 when accepted), and, with --retry SECONDS, retries every
temporary (4xx) failure until that many seconds have passed, printing each
temporary reply it met on stderr as "tempfail SUBJECT CODE TEXT".
usage: smtp_send.py PORT [--retry SECONDS]"""
import smtplib
import sys
import time

port = int(sys.argv[1])
retry = float(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--retry" else 0.0
tempfails = 0


def attempt(sender, rcpt, subject):
    body = f"From: <{sender}>\r\nTo: <{rcpt}>\r\nSubject: {subject}\r\n\r\nhostkit srs interop\r\n"
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
        s.ehlo("client.test")
        code, msg = s.mail(sender)
        if code != 250:
            return code, msg
        code, msg = s.rcpt(rcpt)
        if code not in (250, 251):
            return code, msg
        code, msg = s.data(body.encode())
        return code, msg


for line in sys.stdin:
    sender, rcpt, subject = line.rstrip("\n").split("\t")
    deadline = time.monotonic() + retry
    while True:
        try:
            code, msg = attempt(sender, rcpt, subject)
        except (smtplib.SMTPException, OSError) as e:
            code, msg = 421, str(e).encode()
        if 400 <= code < 500:
            tempfails += 1
            print(f"tempfail {subject} {code} {msg.decode(errors='replace')}", file=sys.stderr, flush=True)
            if time.monotonic() < deadline:
                time.sleep(0.5)
                continue
        break
    print(f"{subject} {code}", flush=True)
print(f"tempfails {tempfails}", file=sys.stderr)
