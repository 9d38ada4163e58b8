/* smtproutes.h: control/smtproutes lookup (domain:host:port) */
#ifndef KIRIM_SMTPROUTES_H
#define KIRIM_SMTPROUTES_H
#include <stddef.h>

#define SMTPROUTES_PORT 25

struct smtproute {
    const char *host;           /* points into the lines; not NUL-ended */
    size_t hostlen;             /* 0: look up the domain's MX as usual */
    int literal;                /* host was "[address]": brackets removed */
    unsigned long port;
};

/* Parse one line "domain:host:port" (host may be "[ip]", IPv6 too; host
   and port may be empty). Sets *dlen to the domain's length. Returns 1,
   or 0 when the line is malformed (no colon, bad port, unclosed "["). */
int smtproutes_parse(const char *line, size_t len, size_t *dlen,
                     struct smtproute *r);

/* Find the route for domain d[0..dlen) in lines (NUL-ended lines, as
   control_readlines gives them): the exact domain (case ignored), then
   ".parent" entries from the longest parent up, then the default ":"
   line, as qmail does. Returns 1 found, 0 none, -1 when the matching
   line is malformed. */
int smtproutes_find(const char *lines, size_t len, const char *d, size_t dlen,
                    struct smtproute *r);

#endif
