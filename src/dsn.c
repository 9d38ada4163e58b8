/* dsn.c: build the text of an RFC 3464 bounce */
#include <stdlib.h>
#include <string.h>
#include "byte.h"
#include "date822.h"
#include "dsn.h"

#define DIAGMAX 900             /* keep header lines far below 998 */

static int
cats(stralloc *sa, const char *s)
{
    return stralloc_cats(sa, s);
}

static int
catdate(stralloc *sa, time_t t)
{
    char d[DATE822_LEN];
    size_t n = date822_fmt(d, t);

    return stralloc_catb(sa, d, n);
}

static int
isdigit_(char c)
{
    return c >= '0' && c <= '9';
}

/* digits at s (at most 3); their count, 0 when none */
static size_t
digits(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len && i < 3 && isdigit_(s[i]); ++i) ;
    return i;
}

size_t
dsn_status(char *out, const char *text, size_t len)
{
    size_t i, a, b, best = 0, blen = 0;

    for (i = 0; i + 6 <= len; ++i) {
        if (text[i] != '#' || text[i + 1] != '5' || text[i + 2] != '.') continue;
        a = digits(text + i + 3, len - i - 3);
        if (!a || i + 3 + a >= len || text[i + 3 + a] != '.') continue;
        b = digits(text + i + 4 + a, len - i - 4 - a);
        if (!b) continue;
        best = i + 1;
        blen = 3 + a + b;
    }
    if (!blen) { byte_copy(out, 5, "5.0.0"); return 5; }
    byte_copy(out, blen, text + best);
    return blen;
}

size_t
dsn_hdrlen(const char *s, size_t len)
{
    size_t i;

    if (len && s[0] == '\n') return 1;
    for (i = 1; i < len; ++i)
        if (s[i] == '\n' && s[i - 1] == '\n') return i + 1;
    return len;
}

/* one line: LF becomes "/", other controls "?", cut at max */
static int
catline(stralloc *sa, const char *s, size_t len, size_t max)
{
    size_t i;
    char c;

    if (len > max) len = max;
    for (i = 0; i < len; ++i) {
        c = s[i];
        if (c == '\n') c = '/';
        else if ((unsigned char)c < 32 || (unsigned char)c >= 127) c = '?';
        if (!stralloc_append(sa, &c)) return 0;
    }
    return 1;
}

/* text as lines, each indented, controls but LF made "?"; a line longer
   than DIAGMAX goes on over several lines, so none passes 998 bytes */
static int
catindent(stralloc *sa, const char *s, size_t len)
{
    size_t i, col = 0;
    char c;

    if (!cats(sa, "    ")) return 0;
    for (i = 0; i < len; ++i) {
        c = s[i];
        if (c == '\n' || col == DIAGMAX) {
            if (c == '\n' && i + 1 == len) break;
            if (!cats(sa, "\n    ")) return 0;
            col = 0;
            if (c == '\n') continue;
        }
        if (((unsigned char)c < 32 && c != '\t') || (unsigned char)c >= 127) c = '?';
        if (!stralloc_append(sa, &c)) return 0;
        ++col;
    }
    return cats(sa, "\n");
}

static int
boundary(stralloc *sa, const struct dsn *d, const char *type)
{
    return cats(sa, "\n--") && cats(sa, d->boundary) && cats(sa, "\n")
        && cats(sa, "Content-Type: ") && cats(sa, type) && cats(sa, "\n\n");
}

/* next pair of recs at *pos: 1 found, 0 end */
static int
nextrec(const char *recs, size_t len, size_t *pos, const char **a,
        size_t *alen, const char **t, size_t *tlen)
{
    size_t i = *pos;

    if (i >= len) return 0;
    *a = recs + i;
    for (*alen = 0; i + *alen < len && recs[i + *alen]; ++*alen) ;
    i += *alen + 1;
    *t = recs + (i < len ? i : len);
    for (*tlen = 0; i + *tlen < len && recs[i + *tlen]; ++*tlen) ;
    *pos = i + *tlen + 1;
    return 1;
}

/* repeated addresses are reported once (the first record): found by
   sorting, so that a bounce for many recipients costs n log n, not n^2 */
struct rec {
    const char *a;
    size_t alen, idx;
};

static int
reccmp(const void *x, const void *y)
{
    const struct rec *p = x, *q = y;
    int c = memcmp(p->a, q->a, p->alen < q->alen ? p->alen : q->alen);

    if (c) return c;
    if (p->alen != q->alen) return p->alen < q->alen ? -1 : 1;
    return p->idx < q->idx ? -1 : p->idx > q->idx;
}

/* a mark per record, 1 for a repeat; 0 when out of memory (a record
   list without records gets a mark array of one) */
static char *
repeats(const char *recs, size_t len)
{
    struct rec *r;
    size_t pos = 0, n = 0, i, alen, tlen;
    const char *a, *t;
    char *rep;

    while (nextrec(recs, len, &pos, &a, &alen, &t, &tlen)) ++n;
    rep = calloc(n + 1, 1);
    r = malloc((n + 1) * sizeof *r);
    if (!rep || !r) { free(rep); free(r); return 0; }
    for (pos = 0, i = 0; nextrec(recs, len, &pos, &a, &alen, &t, &tlen); ++i) {
        r[i].a = a;
        r[i].alen = alen;
        r[i].idx = i;
    }
    qsort(r, n, sizeof *r, reccmp);
    for (i = 1; i < n; ++i)
        if (r[i].alen == r[i - 1].alen && byte_equal(r[i].a, r[i].alen, r[i - 1].a))
            rep[r[i].idx] = 1;
    free(r);
    return rep;
}

static int
human(stralloc *sa, const struct dsn *d, const char *recs, size_t len, const char *rep)
{
    size_t pos = 0, i, alen, tlen;
    const char *a, *t;

    if (!cats(sa, "This is the mail system at ") || !cats(sa, d->me)
        || !cats(sa, ".\n\nYour message could not be delivered to the "
                 "recipients below.\nThe failures are permanent: the "
                 "message will not be tried again.\n")) return 0;
    for (i = 0; nextrec(recs, len, &pos, &a, &alen, &t, &tlen); ++i) {
        if (rep[i]) continue;
        if (!cats(sa, "\n<") || !catline(sa, a, alen, DIAGMAX)
            || !cats(sa, ">:\n") || !catindent(sa, t, tlen)) return 0;
    }
    return 1;
}

/* mail-remote's "Remote host NAME [IP] said: REPLY": 1 and the parts, else 0 */
static int
remotesaid(const char *t, size_t tlen, const char **name, size_t *nlen,
           const char **reply, size_t *rlen)
{
    static const char pre[] = "Remote host ", said[] = "] said: ";
    size_t i, k;

    if (tlen < sizeof pre - 1 || !byte_equal(t, sizeof pre - 1, pre)) return 0;
    for (i = sizeof pre - 1; i < tlen && t[i] != ' ' && t[i] != '\n'; ++i) ;
    if (i + 1 >= tlen || t[i + 1] != '[') return 0;
    *name = t + sizeof pre - 1;
    *nlen = i - (sizeof pre - 1);
    for (k = i; k + sizeof said - 1 <= tlen; ++k)
        if (byte_equal(t + k, sizeof said - 1, said)) break;
    if (k + sizeof said - 1 > tlen) return 0;
    *reply = t + k + sizeof said - 1;
    *rlen = tlen - (k + sizeof said - 1);
    return *rlen >= 3 && isdigit_((*reply)[0]) && isdigit_((*reply)[1]) && isdigit_((*reply)[2]);
}

/* the enhanced status code after a reply's "NNN " (RFC 3463), made 5.x.y */
static size_t
replystatus(char *out, const char *r, size_t len)
{
    size_t a, b;

    if (len < 9 || (r[3] != ' ' && r[3] != '-') || (r[4] != '4' && r[4] != '5') || r[5] != '.')
        return 0;
    a = digits(r + 6, len - 6);
    if (!a || 6 + a >= len || r[6 + a] != '.') return 0;
    b = digits(r + 7 + a, len - 7 - a);
    if (!b) return 0;
    byte_copy(out, 3 + a + b, r + 4);
    out[0] = '5';
    return 3 + a + b;
}

static int
percipient(stralloc *sa, const char *a, size_t alen, const char *t, size_t tlen)
{
    char st[16];
    const char *name = 0, *reply = 0;
    size_t n, nlen = 0, rlen = 0;
    int smtp = tlen >= 3 && isdigit_(t[0]) && isdigit_(t[1]) && isdigit_(t[2]);
    int remote = remotesaid(t, tlen, &name, &nlen, &reply, &rlen);

    n = 0;
    if (remote && reply[0] == '4') {
        /* a deferral that ran out of queue lifetime: mail-send added a
           line of its own (#5.4.7), which is the status; the reply alone
           is the Diagnostic-Code */
        size_t k = byte_rchr(reply, rlen, '\n');

        if (k < rlen) { n = dsn_status(st, reply + k + 1, rlen - k - 1); rlen = k; }
    }
    if (!n && remote) n = replystatus(st, reply, rlen);
    if (!n) n = dsn_status(st, t, tlen);
    if (!cats(sa, "\nFinal-Recipient: rfc822; ") || !catline(sa, a, alen, DIAGMAX)
        || !cats(sa, "\nAction: failed\nStatus: ") || !stralloc_catb(sa, st, n)) return 0;
    if (remote)
        return cats(sa, "\nRemote-MTA: dns; ") && catline(sa, name, nlen, DIAGMAX)
            && cats(sa, "\nDiagnostic-Code: smtp; ") && catline(sa, reply, rlen, DIAGMAX)
            && cats(sa, "\n");
    return cats(sa, smtp ? "\nDiagnostic-Code: smtp; " : "\nDiagnostic-Code: x-kirim; ")
        && catline(sa, t, tlen, DIAGMAX) && cats(sa, "\n");
}

static int
status(stralloc *sa, const struct dsn *d, const char *recs, size_t len, const char *rep)
{
    size_t pos = 0, i, alen, tlen;
    const char *a, *t;

    if (!cats(sa, "Reporting-MTA: dns; ") || !cats(sa, d->me)
        || !cats(sa, "\nArrival-Date: ") || !catdate(sa, d->arrival)
        || !cats(sa, "\n")) return 0;
    for (i = 0; nextrec(recs, len, &pos, &a, &alen, &t, &tlen); ++i) {
        if (rep[i]) continue;
        if (!percipient(sa, a, alen, t, tlen)) return 0;
    }
    return 1;
}

int
dsn_head(stralloc *sa, const struct dsn *d, const char *recs, size_t len)
{
    char *rep;
    int ok;

    if (!cats(sa, "Date: ") || !catdate(sa, d->now)
        || !cats(sa, "\nFrom: Mail Delivery System <") || !cats(sa, d->from)
        || !cats(sa, ">\nTo: <") || !catline(sa, d->to, strlen(d->to), DIAGMAX)
        || !cats(sa, ">\nSubject: Undelivered mail returned to sender"
                 "\nAuto-Submitted: auto-replied\nMIME-Version: 1.0"
                 "\nContent-Type: multipart/report; report-type=delivery-status;"
                 "\n boundary=\"") || !cats(sa, d->boundary)
        || !cats(sa, "\"\n\nThis is a MIME-formatted delivery status notification.\n"))
        return 0;
    rep = repeats(recs, len);
    if (!rep) return 0;
    ok = boundary(sa, d, "text/plain; charset=us-ascii") && human(sa, d, recs, len, rep)
         && boundary(sa, d, "message/delivery-status") && status(sa, d, recs, len, rep)
         && boundary(sa, d, d->whole ? "message/rfc822" : "text/rfc822-headers");
    free(rep);
    return ok;
}

int
dsn_tail(stralloc *sa, const struct dsn *d)
{
    return cats(sa, "\n--") && cats(sa, d->boundary) && cats(sa, "--\n");
}
