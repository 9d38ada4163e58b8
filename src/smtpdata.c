/* smtpdata.c: a byte-at-a-time DATA state machine; no CRLF.CRLF look-alike ends it */
#include "case.h"
#include "smtpdata.h"

#define ST_BOL 0        /* at the start of a line */
#define ST_TEXT 1       /* inside a line */
#define ST_CR 2         /* after a CR inside a line */
#define ST_DOT 3        /* after a '.' at the start of a line */
#define ST_DOTCR 4      /* after ".\r" at the start of a line */

void
smtpdata_init(struct smtpdata *d, uint64_t sizemax, uint64_t linemax,
              unsigned long hopmax)
{
    d->sizemax = sizemax;
    d->linemax = linemax;
    d->hopmax = hopmax;
    d->done = 0;
    d->flags = 0;
    d->size = 0;
    d->hops = 0;
    d->state = ST_BOL;
    d->inheader = 1;
    d->linelen = 0;
    d->startlen = 0;
}

static int
startswith(const struct smtpdata *d, const char *h, size_t n)
{
    return d->startlen >= n && !case_diffb(d->start, n, h);
}

/* a line of the message ended (CRLF seen): header bookkeeping */
static void
endline(struct smtpdata *d)
{
    if (d->inheader) {
        if (d->linelen == 0) d->inheader = 0;
        else if (startswith(d, "received:", 9) || startswith(d, "delivered-to:", 13)) {
            ++d->hops;
            if (d->hopmax && d->hops > d->hopmax) d->flags |= SMTPDATA_HOPS;
        }
    }
    d->linelen = 0;
    d->startlen = 0;
}

/* a byte that belongs to the current line's text */
static void
text(struct smtpdata *d, char c, char *out, size_t *o)
{
    if (d->startlen < sizeof d->start) d->start[d->startlen++] = c;
    if (!d->flags) out[(*o)++] = c;
}

/* count c against the line limit (CRLF is 2 of the octets) */
static void
count(struct smtpdata *d)
{
    if (d->linelen < UINT64_MAX) ++d->linelen;
    if (d->linemax && d->linelen + 2 > d->linemax) d->flags |= SMTPDATA_LONGLINE;
}

size_t
smtpdata_feed(struct smtpdata *d, const char *in, size_t len,
              char *out, size_t *outlen)
{
    size_t i, o = 0;
    char c;

    for (i = 0; i < len && !d->done; ++i) {
        c = in[i];
        if (d->size < UINT64_MAX) ++d->size;
        /* the final ".\r\n" is not part of the message: judged at the end */
        if (d->sizemax && d->size > d->sizemax && d->size - d->sizemax > 3)
            d->flags |= SMTPDATA_TOOBIG;
        switch (d->state) {
        case ST_BOL:
            if (c == '.') { count(d); d->state = ST_DOT; break; }
            /* fall through */
        case ST_TEXT:
            if (c == '\r') { d->state = ST_CR; break; }
            if (c == '\n') { d->flags |= SMTPDATA_BARELF; d->state = ST_TEXT; break; }
            count(d);
            text(d, c, out, &o);
            d->state = ST_TEXT;
            break;
        case ST_CR:
            if (c == '\n') {
                if (!d->flags) out[o++] = '\n';
                endline(d);
                d->state = ST_BOL;
                break;
            }
            d->flags |= SMTPDATA_BARECR;
            if (c == '\r') break;               /* this CR may still pair */
            d->state = ST_TEXT;
            break;
        case ST_DOT:
            if (c == '\r') { d->state = ST_DOTCR; break; }
            if (c == '\n') { d->flags |= SMTPDATA_BARELF; d->state = ST_TEXT; break; }
            count(d);                           /* the dot was counted already */
            text(d, c, out, &o);                /* "..x" gives ".x": unstuffed */
            d->state = ST_TEXT;
            break;
        case ST_DOTCR:
            if (c == '\n') {
                d->done = 1;
                d->size -= 3;
                if (d->sizemax && d->size > d->sizemax) d->flags |= SMTPDATA_TOOBIG;
                break;
            }
            d->flags |= SMTPDATA_BARECR;
            d->state = c == '\r' ? ST_CR : ST_TEXT;
            break;
        }
    }
    *outlen = o;
    return i;
}
