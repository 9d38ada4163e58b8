#!/usr/bin/env python3
"""smtprss.py: the memory of one mail-smtpd session, for bench/smtp.sh.

usage: smtprss.py HOST PORT PARENT-PID TLS MB FROM RCPT

Opens one SMTP session to HOST:PORT and finds the server process: the one
child of PARENT-PID (tcpserver) whose name is mail-smtpd.  Reads its VmHWM
after the greeting; then, with STARTTLS when TLS is 1, sends one message of
MB megabytes (lines of 76 octets) and, after the 250 reply to the data and
before QUIT, reads VmHWM and VmRSS again.
Prints: hwm_after_greeting_kB hwm_after_data_kB rss_after_data_kB
Exits 1 when the server process is not found or the message is refused."""
import os
import smtplib
import ssl
import sys


def server_pid(parent):
    found = []
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % p) as f:
                st = f.read()
        except OSError:
            continue
        name = st[st.index('(') + 1:st.rindex(')')]
        ppid = int(st[st.rindex(')') + 2:].split()[1])
        if ppid == parent and name == 'mail-smtpd':
            found.append(int(p))
    if len(found) != 1:
        sys.exit('smtprss: %d mail-smtpd children of %d, want 1' % (len(found), parent))
    return found[0]


def mem(pid):
    v = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            k, _, rest = line.partition(':')
            if k in ('VmHWM', 'VmRSS'):
                v[k] = int(rest.split()[0])
    return v['VmHWM'], v['VmRSS']


def message(mb, frm, rcpt):
    head = ('From: <%s>\r\nTo: <%s>\r\nSubject: memory, %d MB\r\n'
            'Message-ID: <rss-%d@bench.test>\r\n\r\n' % (frm, rcpt, mb, os.getpid()))
    line = b'x' * 74 + b'\r\n'
    return head.encode() + line * (mb * 1024 * 1024 // len(line))


def main():
    host, port, parent, tls, mb, frm, rcpt = sys.argv[1:8]
    s = smtplib.SMTP(host, int(port), local_hostname='rss.bench.test', timeout=120)
    pid = server_pid(int(parent))
    hwm0, _ = mem(pid)
    s.ehlo('rss.bench.test')
    if tls == '1':
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s.starttls(context=ctx)
        s.ehlo('rss.bench.test')
    refused = s.sendmail(frm, [rcpt], message(int(mb), frm, rcpt))
    if refused:
        sys.exit('smtprss: refused %r' % refused)
    hwm1, rss1 = mem(pid)
    s.quit()
    print(hwm0, hwm1, rss1)


if __name__ == '__main__':
    main()
