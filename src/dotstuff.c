/* dotstuff.c: a message as a POP3 multi-line response: CRLF, dot-stuffing, TOP */
#include "dotstuff.h"

void
dotstuff_init(struct dotstuff *d, int limited, unsigned long maxlines)
{
    d->prevcr = 0;
    d->bol = 1;
    d->header = 1;
    d->limited = limited;
    d->done = 0;
    d->linelen = 0;
    d->maxlines = maxlines;
    d->lines = 0;
}

/* a line just ended; the blank line ends the header */
static void
line_end(struct dotstuff *d, int empty)
{
    if (d->header) {
        if (empty) {
            d->header = 0;
            if (d->limited && d->maxlines == 0) d->done = 1;
        }
    } else if (d->limited && ++d->lines >= d->maxlines) d->done = 1;
    d->bol = 1;
    d->linelen = 0;
}

int
dotstuff_put(struct dotstuff *d, buffer *out, const char *s, size_t n)
{
    size_t i, start = 0;
    int empty;

    for (i = 0; i < n && !d->done; ++i) {
        if (d->bol && s[i] == '.') {
            if (buffer_put(out, s + start, i - start) == -1) return -1;
            if (buffer_put(out, ".", 1) == -1) return -1;
            start = i;
        }
        d->bol = 0;
        if (s[i] == '\n') {
            empty = d->linelen == 0 || (d->linelen == 1 && d->prevcr);
            if (!d->prevcr) {
                if (buffer_put(out, s + start, i - start) == -1) return -1;
                if (buffer_put(out, "\r", 1) == -1) return -1;
                start = i;
            }
            d->prevcr = 0;
            line_end(d, empty);
            continue;
        }
        d->prevcr = s[i] == '\r';
        ++d->linelen;
    }
    return buffer_put(out, s + start, i - start) == -1 ? -1 : 0;
}

int
dotstuff_end(struct dotstuff *d, buffer *out)
{
    if (!d->bol && !d->done) {
        if (buffer_put(out, d->prevcr ? "\n" : "\r\n", d->prevcr ? 1 : 2) == -1)
            return -1;
    }
    return buffer_put(out, ".\r\n", 3) == -1 ? -1 : 0;
}

unsigned long long
dotstuff_size(int *prevcr, const char *s, size_t n)
{
    unsigned long long size = n;
    size_t i;

    for (i = 0; i < n; ++i) {
        if (s[i] == '\n' && !*prevcr) ++size;
        *prevcr = s[i] == '\r';
    }
    return size;
}
