/* smtproutes.c: parse control/smtproutes lines and pick a domain's route */
#include "byte.h"
#include "case.h"
#include "scan.h"
#include "smtproutes.h"

static int
smtproutes_port(const char *s, size_t len, unsigned long *port)
{
    size_t i;

    if (len == 0) { *port = SMTPROUTES_PORT; return 1; }
    if (len > 5) return 0;
    for (i = 0; i < len; ++i) if (s[i] < '0' || s[i] > '9') return 0;
    if (scan_ulongn(s, len, port) != len) return 0;
    return *port > 0 && *port < 65536;
}

int
smtproutes_parse(const char *line, size_t len, size_t *dlen, struct smtproute *r)
{
    size_t i = byte_chr(line, len, ':'), h, e;

    if (i == len) return 0;
    *dlen = i;
    h = i + 1;
    r->literal = 0;
    if (h < len && line[h] == '[') {
        e = h + 1 + byte_chr(line + h + 1, len - h - 1, ']');
        if (e >= len || e == h + 1) return 0;
        r->host = line + h + 1;
        r->hostlen = e - h - 1;
        r->literal = 1;
        e += 1;
        if (e < len && line[e] != ':') return 0;
    } else {
        e = h + byte_chr(line + h, len - h, ':');
        r->host = line + h;
        r->hostlen = e - h;
    }
    if (e >= len) return smtproutes_port(line, 0, &r->port);
    return smtproutes_port(line + e + 1, len - e - 1, &r->port);
}

/* the line whose domain is exactly d[0..dlen): 1, 0, -1 malformed */
static int
smtproutes_exact(const char *lines, size_t len, const char *d, size_t dlen,
                 struct smtproute *r)
{
    size_t pos, n, k;

    for (pos = 0; pos < len; pos += n + 1) {
        n = byte_chr(lines + pos, len - pos, '\0');
        k = byte_chr(lines + pos, n, ':');
        if (k != dlen || case_diffb(lines + pos, k, d)) continue;
        return smtproutes_parse(lines + pos, n, &k, r) ? 1 : -1;
    }
    return 0;
}

int
smtproutes_find(const char *lines, size_t len, const char *d, size_t dlen,
                struct smtproute *r)
{
    size_t i;
    int x;

    for (i = 0; i <= dlen; ++i) {
        if (i != 0 && i != dlen && d[i] != '.') continue;
        x = smtproutes_exact(lines, len, d + i, dlen - i, r);
        if (x) return x;
    }
    return 0;
}
