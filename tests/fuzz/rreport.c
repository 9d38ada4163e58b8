/* rreport.c (fuzz): mail-remote's report as mail-rspawn reads it.
   Input: a byte giving the number of recipients asked for, then the
   report. A report taken as well formed gives every recipient a result
   letter and a text inside the report. */
#include "stralloc.h"
#include "rreport.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct rreport r;
    static stralloc t;
    const char *s = (const char *)data + 1;
    unsigned long n, i;
    size_t len;
    char c;

    if (size < 1) return 0;
    n = data[0] % (RREPORT_MAX + 3);
    len = size - 1;
    if (rreport_parse(s, len, n, &r) != 1) return 0;
    fuzz_check(r.n == 0 || r.n == n);
    fuzz_check(r.ml == 'K' || r.ml == 'D' || r.ml == 'Z');
    fuzz_check(r.mt >= s && r.mt + r.mlen <= s + len);
    for (i = 0; i < n && i < RREPORT_MAX; ++i) {
        c = rreport_letter(&r, i);
        fuzz_check(c == 'K' || c == 'D' || c == 'Z');
        stralloc_zero(&t);
        fuzz_check(rreport_text(&r, i, &t));
        if (r.n) fuzz_check(r.rt[i] >= s && r.rt[i] + r.rlen[i] <= s + len);
    }
    return 0;
}
