/* smtpclient.c: read multi-line SMTP replies, EHLO keywords, encode DATA */
#include "case.h"
#include "scan.h"
#include "smtpclient.h"

void
smtpclient_reset(struct smtpclient *r)
{
    r->code = 0;
    r->lines = 0;
    stralloc_zero(&r->text);
}

static int
smtpclient_isdigit(char c)
{
    return c >= '0' && c <= '9';
}

int
smtpclient_line(struct smtpclient *r, const char *line, size_t len)
{
    unsigned int code;
    size_t keep;

    if (len && line[len - 1] == '\r') --len;
    if (len < 3 || !smtpclient_isdigit(line[0]) || !smtpclient_isdigit(line[1])
        || !smtpclient_isdigit(line[2])) return -1;
    code = (unsigned int)((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
    if (code < 200 || code > 599) return -1;
    if (r->code && code != r->code) return -1;
    if (len > 3 && line[3] != ' ' && line[3] != '-') return -1;
    r->code = code;
    keep = len > SMTPCLIENT_LINEMAX ? SMTPCLIENT_LINEMAX : len;
    if (r->text.len + keep + 1 > SMTPCLIENT_TEXTMAX)
        keep = r->text.len + 1 < SMTPCLIENT_TEXTMAX ? SMTPCLIENT_TEXTMAX - r->text.len - 1 : 0;
    if (r->lines && keep && !stralloc_append(&r->text, "\n")) return -2;
    if (keep && !stralloc_catb(&r->text, line, keep)) return -2;
    ++r->lines;
    return len == 3 || line[3] == ' ';
}

/* keyword at s[0..len) followed by end of line or a blank */
static int
smtpclient_kw(const char *s, size_t len, const char *kw, size_t kwlen)
{
    if (len < kwlen || case_diffb(s, kwlen, kw)) return 0;
    return len == kwlen || s[kwlen] == ' ' || s[kwlen] == '=';
}

void
smtpclient_ehlo(const char *text, size_t len, struct ehlo *e)
{
    size_t i = 0, n, k;
    const char *s;

    e->flags = 0;
    e->size = 0;
    while (i < len && text[i] != '\n') ++i;      /* skip the greeting line */
    while (i < len) {
        ++i;
        for (n = i; n < len && text[n] != '\n'; ++n) ;
        if (n - i > 4) {
            s = text + i + 4;
            k = n - i - 4;
            if (smtpclient_kw(s, k, "PIPELINING", 10)) e->flags |= EHLO_PIPELINING;
            if (smtpclient_kw(s, k, "8BITMIME", 8)) e->flags |= EHLO_8BITMIME;
            if (smtpclient_kw(s, k, "STARTTLS", 8)) e->flags |= EHLO_STARTTLS;
            if (smtpclient_kw(s, k, "SMTPUTF8", 8)) e->flags |= EHLO_SMTPUTF8;
            if (smtpclient_kw(s, k, "SIZE", 4)) {
                e->flags |= EHLO_SIZE;
                if (k > 5) scan_ulongn(s + 5, k - 5, &e->size);
            }
        }
        i = n;
    }
}

int
smtpclient_dataput(struct smtpclient_data *st, const char *in, size_t len, stralloc *out)
{
    size_t i, start = 0;

    if (!stralloc_readyplus(out, len + len / 32 + 8)) return 0;
    for (i = 0; i < len; ++i) {
        if (!st->midline && in[i] == '.') {
            if (!stralloc_catb(out, in + start, i - start) || !stralloc_append(out, "."))
                return 0;
            start = i;
        }
        if (in[i] == '\n') {
            if (!stralloc_catb(out, in + start, i - start) || !stralloc_catb(out, "\r\n", 2))
                return 0;
            start = i + 1;
            st->midline = 0;
        } else st->midline = 1;
    }
    return stralloc_catb(out, in + start, len - start);
}

int
smtpclient_dataend(struct smtpclient_data *st, stralloc *out)
{
    if (st->midline && !stralloc_catb(out, "\r\n", 2)) return 0;
    st->midline = 0;
    return stralloc_catb(out, ".\r\n", 3);
}
