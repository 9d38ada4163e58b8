/* sasl.c (fuzz): SMTP and POP3 AUTH responses: base64 (sasl_b64) and
   PLAIN (sasl_plain), as a client sends them after AUTH or a 334/"+ ".
   Input: one response line, without its CRLF. */
#include "stralloc.h"
#include "textcode.h"
#include "sasl.h"
#include "fuzz.h"

/* base64 of s into e, then decoded again: must give s back */
static void
roundtrip(const char *s, size_t len)
{
    static stralloc e, d;
    size_t n;

    fuzz_check(stralloc_ready(&e, len / 3 * 4 + 8));
    n = fmt_base64(e.s, s, len);
    e.len = n;
    if (n > SASL_B64MAX) { fuzz_check(sasl_b64(e.s, n, &d) == 0); return; }
    fuzz_check(sasl_b64(e.s, n, &d) == 1);
    fuzz_check(d.len == len && !memcmp(d.s, s, len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static stralloc o, u, p, plain, e, u2, p2;
    const char *s = (const char *)data;
    size_t n;
    int r;

    r = sasl_b64(s, size, &o);
    fuzz_check(r == 0 || r == 1);
    if (r == 0) fuzz_check(o.len == 0);
    if (r == 1) {
        fuzz_check(size <= SASL_B64MAX);
        fuzz_check(o.len <= size / 4 * 3 + 2);
        roundtrip(o.s, o.len);
    }

    r = sasl_plain(s, size, &u, &p);
    fuzz_check(r == 0 || r == 1);
    if (r != 1) return 0;
    fuzz_check(!memchr(u.s, 0, u.len) && !memchr(p.s, 0, p.len));
    fuzz_check(u.len + p.len + 2 <= o.len);
    if (sasl_creds(&u, &p))
        fuzz_check(u.len >= 1 && u.len <= SASL_PARTMAX && p.len >= 1 && p.len <= SASL_PARTMAX);
    /* the same credentials, sent again in the canonical form */
    plain.len = 0;
    fuzz_check(stralloc_append(&plain, "") && stralloc_cat(&plain, &u)
               && stralloc_append(&plain, "") && stralloc_cat(&plain, &p));
    fuzz_check(stralloc_ready(&e, plain.len / 3 * 4 + 8));
    n = fmt_base64(e.s, plain.s, plain.len);
    fuzz_check(sasl_plain(e.s, n, &u2, &p2) == 1);
    fuzz_check(u2.len == u.len && !memcmp(u2.s, u.s, u.len));
    fuzz_check(p2.len == p.len && !memcmp(p2.s, p.s, p.len));
    return 0;
}
