/* headerfix.c: complete header addresses, drop Bcc, add From, Date and Message-ID */
#include "byte.h"
#include "case.h"
#include "str.h"
#include "date822.h"
#include "headerfix.h"

#define NAMEMAX 998         /* longest field name taken for one */

/* what a field is to us */
#define K_DROP 1            /* removed from the header */
#define K_ADDR 2            /* addresses completed */
#define K_RCPT 4            /* recipients, when there is no Resent- field */
#define K_RRCPT 8           /* recipients, when there is one */

/* which fields the header has */
#define P_FROM 1
#define P_DATE 2
#define P_MSGID 4
#define P_RFROM 8
#define P_RDATE 16
#define P_RMSGID 32
#define P_RESENT 64

static const struct kind {
    const char *name;
    int kind;
    int has;
} kinds[] = {
    { "to", K_ADDR | K_RCPT, 0 },
    { "cc", K_ADDR | K_RCPT, 0 },
    { "bcc", K_DROP | K_RCPT, 0 },
    { "resent-to", K_ADDR | K_RRCPT, 0 },
    { "resent-cc", K_ADDR | K_RRCPT, 0 },
    { "resent-bcc", K_DROP | K_RRCPT, 0 },
    { "from", K_ADDR, P_FROM },
    { "resent-from", K_ADDR, P_RFROM },
    { "sender", K_ADDR, 0 },
    { "resent-sender", K_ADDR, 0 },
    { "reply-to", K_ADDR, 0 },
    { "resent-reply-to", K_ADDR, 0 },
    { "mail-followup-to", K_ADDR, 0 },
    { "mail-reply-to", K_ADDR, 0 },
    { "errors-to", K_ADDR, 0 },
    { "return-path", K_DROP, 0 },
    { "content-length", K_DROP, 0 },
    { "date", 0, P_DATE },
    { "resent-date", 0, P_RDATE },
    { "message-id", 0, P_MSGID },
    { "resent-message-id", 0, P_RMSGID },
};

/* one field: s[start..end) holds all its lines, s[colon] is its ':' */
struct field {
    size_t start, namelen, colon, end;
};

static int
isftext(unsigned char c)
{
    return c > 32 && c < 127 && c != ':';
}

static int
isblank_(char c)
{
    return c == ' ' || c == '\t';
}

int
headerfix_line(const char *s, size_t len, int first)
{
    size_t i = 0, n;

    if (!len) return HF_MORE;
    if (len == 1 && s[0] == '\r') return HF_MORE;     /* "\r" of a "\r\n" cut by a read */
    if (isblank_(s[0])) return first ? HF_END : HF_CONT;
    while (i < len && i < NAMEMAX && isftext((unsigned char)s[i])) ++i;
    n = i;
    while (i < len && isblank_(s[i])) ++i;
    if (i < len) return n && s[i] == ':' ? HF_FIELD : HF_END;
    return n < NAMEMAX ? HF_MORE : HF_END;
}

/* the line at pos: its kind, and *end just after its '\n' (or at len) */
static int
line_at(const char *s, size_t len, size_t pos, int first, size_t *end)
{
    size_t n = byte_chr(s + pos, len - pos, '\n');
    int k;

    *end = pos + n + (n < len - pos);
    k = headerfix_line(s + pos, *end - pos, first);
    return k == HF_MORE ? HF_END : k;   /* no more to read: not a field */
}

static int
isempty(const char *s, size_t n)
{
    return (n == 1 && s[0] == '\n') || (n == 2 && s[0] == '\r' && s[1] == '\n');
}

/* the field at *pos, or 0 when the header ends there (*body is set) */
static int
field_next(const char *s, size_t len, size_t *pos, struct field *f, size_t *body)
{
    size_t p = *pos, e;

    if (p >= len) { *body = len; return 0; }
    if (line_at(s, len, p, p == 0, &e) != HF_FIELD) {
        *body = isempty(s + p, e - p) ? e : p;
        return 0;
    }
    f->start = p;
    f->colon = p + byte_chr(s + p, e - p, ':');
    for (f->namelen = f->colon - p; f->namelen && isblank_(s[p + f->namelen - 1]); )
        --f->namelen;
    for (p = e; p < len && line_at(s, len, p, 0, &e) == HF_CONT; ) p = e;
    f->end = *pos = p;
    return 1;
}

static const struct kind *
kind_of(const char *name, size_t n)
{
    size_t i;

    for (i = 0; i < sizeof kinds / sizeof kinds[0]; ++i)
        if (str_len(kinds[i].name) == n && case_equalb(name, n, kinds[i].name))
            return &kinds[i];
    return 0;
}

/* rewriting the changed addresses of one field value */
struct rewrite {
    stralloc *out, *tmp;
    const char *v;          /* the value */
    size_t n;               /* its length */
    size_t done;            /* v[0..done) is in out already */
    const struct addrlist_hosts *h;
};

/* a byte that an atom would take in, as addrlist's tokens go */
static int
gluable(char c)
{
    unsigned char u = (unsigned char)c;

    if (u <= 32 || u == 127) return 0;
    return byte_chr("()<>[:;@,.\"", 11, c) == 11;
}

static int
rewrite_one(void *arg, const char *a, size_t alen, size_t start, size_t end)
{
    struct rewrite *w = arg;
    int r;

    w->tmp->len = 0;
    r = addrlist_qualify(w->tmp, a, alen, w->h);
    if (r <= 0) return r;
    if (!stralloc_catb(w->out, w->v + w->done, start - w->done)) return -1;
    /* "x"y@h read as the word "x" then y@h: keep them two words */
    if (start && gluable(w->v[start - 1]) && gluable(w->tmp->s[0])
        && !stralloc_append(w->out, " ")) return -1;
    if (!stralloc_cat(w->out, w->tmp)) return -1;
    if (end < w->n && gluable(w->v[end]) && gluable(w->tmp->s[w->tmp->len - 1])
        && !stralloc_append(w->out, " ")) return -1;
    w->done = end;
    return 0;
}

static int
value_rewrite(stralloc *out, stralloc *tmp, const char *v, size_t n,
              const struct addrlist_hosts *h)
{
    struct rewrite w;

    w.out = out;
    w.tmp = tmp;
    w.v = v;
    w.n = n;
    w.done = 0;
    w.h = h;
    if (addrlist_walk(v, n, rewrite_one, &w) == -1) return -1;
    return stralloc_catb(out, v + w.done, n - w.done) ? 0 : -1;
}

struct collect {
    stralloc *rcpt;
    const struct addrlist_hosts *h;
};

static int
collect_one(void *arg, const char *a, size_t alen, size_t start, size_t end)
{
    struct collect *c = arg;

    (void)start;
    (void)end;
    if (addrlist_qualify(c->rcpt, a, alen, c->h) == -1) return -1;
    return stralloc_0(c->rcpt) ? 0 : -1;
}

static int
value_collect(stralloc *rcpt, const char *v, size_t n, const struct addrlist_hosts *h)
{
    struct collect c;

    c.rcpt = rcpt;
    c.h = h;
    return addrlist_walk(v, n, collect_one, &c) == -1 ? -1 : 0;
}

/* the header's first pass: which fields are there */
static int
header_scan(const char *s, size_t len)
{
    struct field f;
    const struct kind *k;
    size_t pos = 0, body;
    int has = 0;

    while (field_next(s, len, &pos, &f, &body)) {
        if (f.namelen >= 7 && case_equalb(s + f.start, 7, "resent-")) has |= P_RESENT;
        k = kind_of(s + f.start, f.namelen);
        if (k) has |= k->has;
    }
    return has;
}

/* copy one field, completing its addresses and gathering its recipients */
static int
field_put(const struct headerfix *hf, const char *s, const struct field *f,
          int resent, stralloc *out, stralloc *rcpt, stralloc *tmp)
{
    const struct kind *k = kind_of(s + f->start, f->namelen);
    const char *v = s + f->colon + 1;
    size_t n = f->end - f->colon - 1;
    int want = resent ? K_RRCPT : K_RCPT;

    if (k && hf->rcpts && rcpt && (k->kind & want)
        && value_collect(rcpt, v, n, &hf->hosts) == -1) return -1;
    if (k && (k->kind & K_DROP)) return 0;
    if (!stralloc_catb(out, s + f->start, f->colon + 1 - f->start)) return -1;
    if (k && (k->kind & K_ADDR)) {
        if (value_rewrite(out, tmp, v, n, &hf->hosts) == -1) return -1;
    } else if (!stralloc_catb(out, v, n)) return -1;
    if (out->s[out->len - 1] != '\n' && !stralloc_append(out, "\n")) return -1;
    return 0;
}

/* s without control bytes, and without the bytes of drop */
static int
clean_cat(stralloc *out, const char *s, const char *drop)
{
    size_t nd = str_len(drop);

    for (; s && *s; ++s) {
        if ((unsigned char)*s < 32 || *s == 127 || byte_chr(drop, nd, *s) < nd) continue;
        if (!stralloc_append(out, s)) return 0;
    }
    return 1;
}

static int
isphrase(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)s[i];

        if (c == ' ' || c >= 128 || (c >= '0' && c <= '9')) continue;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
        if (byte_chr("!#$%&'*+-/=?^_`{|}~", 19, (char)c) == 19) return 0;
    }
    return 1;
}

/* the full name as a display name, quoted when it must be */
static int
phrase_cat(stralloc *out, const char *s, size_t n)
{
    size_t i;

    if (isphrase(s, n)) return stralloc_catb(out, s, n);
    if (!stralloc_append(out, "\"")) return 0;
    for (i = 0; i < n; ++i) {
        if ((s[i] == '"' || s[i] == '\\') && !stralloc_append(out, "\\")) return 0;
        if (!stralloc_append(out, s + i)) return 0;
    }
    return stralloc_append(out, "\"");
}

/* "Full Name <user@host>" or "user@host", completed; t and u are scratch */
static int
from_cat(stralloc *out, const struct headerfix *hf, stralloc *t, stralloc *u)
{
    size_t a, b;

    t->len = 0;
    if (!clean_cat(t, hf->fullname, "")) return -1;
    for (a = 0; a < t->len && isblank_(t->s[a]); ++a) ;
    for (b = t->len; b > a && isblank_(t->s[b - 1]); --b) ;
    if (b > a && (!phrase_cat(out, t->s + a, b - a) || !stralloc_cats(out, " <")))
        return -1;
    t->len = 0;
    if (!clean_cat(t, hf->user, "")) return -1;
    if (!t->len && !stralloc_cats(t, "anonymous")) return -1;
    u->len = 0;
    if (!addrlist_catlocal(u, t->s, t->len) || !stralloc_append(u, "@")) return -1;
    if (!clean_cat(u, hf->host, " ()<>,;:\\\"@")) return -1;
    if (u->s[u->len - 1] == '@') --u->len;
    if (addrlist_qualify(out, u->s, u->len, &hf->hosts) == -1) return -1;
    return b > a && !stralloc_append(out, ">") ? -1 : 0;
}

/* not fmt_ulong: libowfat declares it pure, so gcc may think n unwritten */
static int
ulong_cat(stralloc *out, unsigned long u)
{
    char n[24];
    size_t k = sizeof n;

    do n[--k] = (char)('0' + u % 10); while (u /= 10);
    return stralloc_catb(out, n + k, sizeof n - k);
}

/* <when.pid.seq[R]@idhost>: R for a Resent-Message-ID, which must
   differ from a Message-ID made in the same run */
static int
msgid_cat(stralloc *out, const struct headerfix *hf, int resent)
{
    size_t n;

    if (!stralloc_append(out, "<") || !ulong_cat(out, (unsigned long)hf->when)) return -1;
    if (!stralloc_append(out, ".") || !ulong_cat(out, hf->pid)) return -1;
    if (!stralloc_append(out, ".") || !ulong_cat(out, hf->seq)) return -1;
    if (resent && !stralloc_append(out, "R")) return -1;
    if (!stralloc_append(out, "@")) return -1;
    n = out->len;
    if (!clean_cat(out, hf->idhost, " ()<>,;:\\\"@")) return -1;
    if (out->len == n && !stralloc_cats(out, "localhost")) return -1;
    return stralloc_cats(out, ">\n") ? 0 : -1;
}

static int
date_cat(stralloc *out, const struct headerfix *hf)
{
    char d[DATE822_LEN];
    size_t k = date822_fmt(d, hf->when);

    if (!stralloc_catb(out, d, k)) return -1;
    return stralloc_append(out, "\n") ? 0 : -1;
}

/* the fields that were missing; prefix is "" or "Resent-" */
static int
missing_put(const struct headerfix *hf, int has, const char *prefix,
            stralloc *out, stralloc *t, stralloc *u)
{
    if (!(has & P_FROM)) {
        if (!stralloc_cats(out, prefix) || !stralloc_cats(out, "From: ")) return -1;
        if (from_cat(out, hf, t, u) == -1 || !stralloc_append(out, "\n")) return -1;
    }
    if (!(has & P_DATE)) {
        if (!stralloc_cats(out, prefix) || !stralloc_cats(out, "Date: ")) return -1;
        if (date_cat(out, hf) == -1) return -1;
    }
    if (!(has & P_MSGID)) {
        if (!stralloc_cats(out, prefix) || !stralloc_cats(out, "Message-ID: ")) return -1;
        if (msgid_cat(out, hf, *prefix != 0) == -1) return -1;
    }
    return 0;
}

static int
run(const struct headerfix *hf, const char *s, size_t len, stralloc *out,
    stralloc *rcpt, size_t *body, stralloc *t, stralloc *u)
{
    struct field f;
    size_t pos = 0;
    int has = header_scan(s, len);
    int resent = (has & P_RESENT) != 0;

    *body = 0;
    /* a resent block goes on top; has / P_RFROM: its bits moved onto the plain ones */
    if (resent && missing_put(hf, has / P_RFROM, "Resent-", out, t, u) == -1) return -1;
    while (field_next(s, len, &pos, &f, body))
        if (field_put(hf, s, &f, resent, out, rcpt, t) == -1) return -1;
    if (missing_put(hf, has, "", out, t, u) == -1) return -1;
    return stralloc_append(out, "\n") ? 0 : -1;
}

int
headerfix_run(const struct headerfix *hf, const char *s, size_t len,
              stralloc *out, stralloc *rcpt, size_t *body)
{
    stralloc t = { 0, 0, 0 }, u = { 0, 0, 0 };
    int r;

    r = run(hf, s, len, out, rcpt, body, &t, &u);
    stralloc_free(&t);
    stralloc_free(&u);
    return r;
}
