#!/usr/bin/env python3
"""smtpc.py: run a scripted SMTP dialog against a server, check every reply.

usage: smtpc.py HOST PORT [SOURCE-IP] < dialog

Dialog lines:
  > text     send text + CRLF (">" alone: an empty line)
  >> text    send text as a Python string literal body (escapes such as
             \\r \\n \\x00 work), nothing added
  >>> N C    send N octets of character C in one stream (for long lines)
  < prefix   read one complete reply (all its lines); its last line must
             start with prefix
  <* prefix  read one reply; it must NOT start with prefix (negative check)
  <eof       the server must close the connection (after any replies)
  # ...      comment
Every reply line is checked for an enhanced status code (RFC 3463) whose
class matches, except the greeting (220), EHLO/HELO replies,
354 and 334 (RFC 2034 gives codes to 2xx, 4xx and 5xx replies only).
Prints the transcript on stderr; exits 1 on the first mismatch, 0 else."""
import re
import socket
import sys

ESC = re.compile(r'^([245])\d\d[ -]([245])\.\d{1,3}\.\d{1,3}( |$)')


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    src = sys.argv[3] if len(sys.argv) > 3 else None
    s = socket.create_connection((host, port), timeout=60,
                                 source_address=(src, 0) if src else None)
    f = s.makefile('rb')
    last_cmd = ''
    first = True
    for raw in sys.stdin.read().split('\n'):
        if not raw or raw.startswith('#'):
            continue
        if raw.startswith('>>> '):
            n, c = raw[4:].split(' ', 1)
            data = c.encode() * int(n)
            s.sendall(data)
            last_cmd = 'raw'
            sys.stderr.write('C: <%s octets of %r>\n' % (n, c))
        elif raw.startswith('>> '):
            data = raw[3:].encode('latin-1').decode('unicode_escape').encode('latin-1')
            s.sendall(data)
            last_cmd = data[:4].decode('latin-1').upper()
            sys.stderr.write('C: %r\n' % data)
        elif raw == '>':
            s.sendall(b'\r\n')
            sys.stderr.write('C: \n')
        elif raw.startswith('> '):
            s.sendall(raw[2:].encode('utf-8') + b'\r\n')
            last_cmd = raw[2:6].upper()
            sys.stderr.write('C: %s\n' % raw[2:])
        elif raw == '<eof':
            rest = f.read()
            if rest:
                sys.stderr.write('S: %r (expected end of connection)\n' % rest)
                return 1
            sys.stderr.write('S: <closed>\n')
        elif raw.startswith('<'):
            neg = raw.startswith('<*')
            want = raw[2:].strip() if neg else raw[1:].strip()
            lines = []
            while True:
                line = f.readline()
                if not line:
                    sys.stderr.write('S: <closed> (expected %s)\n' % want)
                    return 1
                line = line.decode('utf-8', 'replace').rstrip('\r\n')
                sys.stderr.write('S: %s\n' % line)
                lines.append(line)
                if len(line) < 4 or line[3] != '-':
                    break
            exempt = first or last_cmd in ('EHLO', 'HELO') or lines[-1].startswith(('334', '354'))
            first = False
            for l in lines:
                if not exempt and not ESC.match(l):
                    sys.stderr.write('bad or missing enhanced status code: %s\n' % l)
                    return 1
                if not exempt and ESC.match(l).group(1) != ESC.match(l).group(2):
                    sys.stderr.write('enhanced code class differs: %s\n' % l)
                    return 1
            if neg == lines[-1].startswith(want):
                sys.stderr.write('reply %r, wanted %s%r\n' % (lines[-1], 'not ' if neg else '', want))
                return 1
        else:
            sys.stderr.write('bad dialog line: %r\n' % raw)
            return 2
    s.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
