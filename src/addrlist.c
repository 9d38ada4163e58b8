/* addrlist.c: RFC 5322 address-list parser, one linear pass, best effort on bad input */
#include "byte.h"
#include "addrlist.h"

/* token types; the specials . @ , : ; < > are their own character */
#define T_END 0
#define T_ATOM 1
#define T_QSTR 2
#define T_DLIT 3

/* where the address being built is */
#define S_NONE 0        /* nothing yet */
#define S_LWORD 1       /* local part, after a word */
#define S_LDOT 2        /* local part, after a dot */
#define S_AT 3          /* just after '@' */
#define S_DWORD 4       /* domain, after a word */
#define S_DDOT 5        /* domain, after a dot */

/* angle bracket context */
#define A_OUT 0
#define A_IN 1          /* inside <...> */
#define A_ROUTE 2       /* inside <@a,@b: ... */

struct tok {
    int type;
    size_t start, end;
};

struct parser {
    const char *s;
    size_t len, pos;
    int (*fn)(void *, const char *, size_t, size_t, size_t);
    void *arg;
    stralloc lp, dom, addr;
    int state, angle, skip, count;
    int words;              /* the local part has a word, not only dots */
    size_t start, end;
};

static int
isctl(unsigned char c)
{
    return c < 32 || c == 127;
}

/* characters that end an atom */
static int
isstop(unsigned char c)
{
    if (c == ' ' || isctl(c)) return 1;
    return byte_chr("()<>[:;@,.\"", 11, (char)c) < 11;
}

static int
isatext(unsigned char c)
{
    if (c >= 128) return 1;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return byte_chr("!#$%&'*+-/=?^_`{|}~", 19, (char)c) < 19;
}

/* pos is on '(' : skip a comment with its nested comments */
static void
comment_skip(struct parser *p)
{
    size_t depth = 0;

    while (p->pos < p->len) {
        char c = p->s[p->pos++];

        if (c == '\\') { if (p->pos < p->len) ++p->pos; }
        else if (c == '(') ++depth;
        else if (c == ')' && --depth == 0) return;
    }
}

/* pos is on the opening character; stop after close, or at the end */
static void
delimited_skip(struct parser *p, char close)
{
    ++p->pos;
    while (p->pos < p->len) {
        char c = p->s[p->pos++];

        if (c == '\\') { if (p->pos < p->len) ++p->pos; }
        else if (c == close) return;
    }
}

static void
tok_next(struct parser *p, struct tok *t)
{
    unsigned char c;

    for (;;) {
        if (p->pos >= p->len) { t->type = T_END; t->start = t->end = p->len; return; }
        c = (unsigned char)p->s[p->pos];
        if (c == '(') comment_skip(p);
        else if (c == ' ' || c == ')' || isctl(c)) ++p->pos;
        else break;
    }
    t->start = p->pos;
    if (c == '"') { delimited_skip(p, '"'); t->type = T_QSTR; }
    else if (c == '[') { delimited_skip(p, ']'); t->type = T_DLIT; }
    else if (byte_chr(".@,:;<>", 7, (char)c) < 7) { ++p->pos; t->type = c; }
    else {
        while (p->pos < p->len && !isstop((unsigned char)p->s[p->pos])) ++p->pos;
        t->type = T_ATOM;
    }
    t->end = p->pos;
}

/* the content of a quoted string, unescaped, control bytes but TAB dropped */
static int
qstr_cat(stralloc *sa, const char *s, size_t len)
{
    size_t i;

    for (i = 1; i < len; ++i) {
        char c = s[i];

        if (c == '"') break;
        if (c == '\\') { if (++i == len) break; c = s[i]; }
        if (isctl((unsigned char)c) && c != '\t') continue;
        if (!stralloc_append(sa, &c)) return 0;
    }
    return 1;
}

/* a domain literal without white space or control bytes, closed; a
   quoted-pair is kept whole, or dropped whole when what it quotes is
   dropped (a backslash left alone would quote the next byte instead) */
static int
dlit_cat(stralloc *sa, const char *s, size_t len)
{
    size_t i;
    int closed = 0;

    for (i = 0; i < len; ++i) {
        char c = s[i];

        if (c == '\\') {
            if (++i == len) break;
            c = s[i];
            closed = 0;
            if (c == ' ' || isctl((unsigned char)c)) continue;
            if (!stralloc_append(sa, "\\") || !stralloc_append(sa, &c)) return 0;
            continue;
        }
        if (c == ' ' || isctl((unsigned char)c)) continue;
        if (!stralloc_append(sa, &c)) return 0;
        closed = i > 0 && c == ']';     /* only the last byte can be an unquoted ']' */
    }
    return closed ? 1 : stralloc_append(sa, "]");
}

/* a quoted string where a domain should be: keep what an atom may hold */
static int
qdomain_cat(stralloc *sa, const char *s, size_t len)
{
    size_t i, j = sa->len;

    if (!qstr_cat(sa, s, len)) return 0;
    for (i = j; i < sa->len; ++i)
        if (!isstop((unsigned char)sa->s[i]) || sa->s[i] == '.') sa->s[j++] = sa->s[i];
    sa->len = j;
    return 1;
}

static int
tok_cat(stralloc *sa, const struct parser *p, const struct tok *t)
{
    const char *s = p->s + t->start;
    size_t n = t->end - t->start;

    if (t->type == T_QSTR && sa == &p->dom) return qdomain_cat(sa, s, n);
    if (t->type == T_QSTR) return qstr_cat(sa, s, n);
    if (t->type == T_DLIT) return dlit_cat(sa, s, n);
    return stralloc_catb(sa, s, n);
}

static void
reset(struct parser *p)
{
    p->state = S_NONE;
    p->words = 0;
    p->lp.len = 0;
    p->dom.len = 0;
}

static int
isdotatom(const char *s, size_t len)
{
    size_t i;

    if (!len || s[0] == '.' || s[len - 1] == '.') return 0;
    for (i = 0; i < len; ++i) {
        if (s[i] == '.') { if (s[i + 1] == '.') return 0; }
        else if (!isatext((unsigned char)s[i])) return 0;
    }
    return 1;
}

int
addrlist_catlocal(stralloc *sa, const char *s, size_t len)
{
    size_t i;

    if (isdotatom(s, len)) return stralloc_catb(sa, s, len);
    if (!stralloc_append(sa, "\"")) return 0;
    for (i = 0; i < len; ++i) {
        if ((s[i] == '"' || s[i] == '\\') && !stralloc_append(sa, "\\")) return 0;
        if (!stralloc_append(sa, s + i)) return 0;
    }
    return stralloc_append(sa, "\"");
}

/* hand the address built so far to fn, then start afresh */
static int
emit(struct parser *p)
{
    stralloc *a = &p->addr;

    if (!p->words || !p->lp.len) { reset(p); return 0; }
    a->len = 0;
    if (!addrlist_catlocal(a, p->lp.s, p->lp.len)) return -1;
    if (p->dom.len && (!stralloc_append(a, "@") || !stralloc_cat(a, &p->dom)))
        return -1;
    if (!stralloc_0(a)) return -1;
    reset(p);
    ++p->count;
    return p->fn(p->arg, a->s, a->len - 1, p->start, p->end);
}

/* a new address starts with token t */
static int
begin(struct parser *p, const struct tok *t)
{
    reset(p);
    p->start = t->start;
    p->end = t->end;
    if (t->type == '.' || t->type == '@') {
        p->state = t->type == '.' ? S_LDOT : S_AT;
        return t->type == '.' ? stralloc_append(&p->lp, ".") : 1;
    }
    p->words = 1;
    p->state = S_LWORD;
    return tok_cat(&p->lp, p, t);
}

static int
word(struct parser *p, const struct tok *t)
{
    int r = 0;

    switch (p->state) {
    case S_NONE:
    case S_LWORD:               /* the words before were a display name */
        return begin(p, t) ? 0 : -1;
    case S_LDOT:
        p->words = 1;
        p->state = S_LWORD;
        r = tok_cat(&p->lp, p, t);
        break;
    case S_AT:
    case S_DDOT:
        p->state = S_DWORD;
        r = tok_cat(&p->dom, p, t);
        break;
    case S_DWORD:               /* a missing comma, or junk inside <...> */
        if (p->angle) return 0;
        if (emit(p) == -1) return -1;
        return begin(p, t) ? 0 : -1;
    }
    p->end = t->end;
    return r ? 0 : -1;
}

static int
dot(struct parser *p, const struct tok *t)
{
    stralloc *sa = &p->lp;

    if (p->state == S_NONE) return begin(p, t) ? 0 : -1;
    if (p->state == S_LWORD || p->state == S_LDOT) p->state = S_LDOT;
    else { p->state = S_DDOT; sa = &p->dom; }
    p->end = t->end;
    return stralloc_append(sa, ".") ? 0 : -1;
}

/* with several '@', what stood before the last one is all local part;
   "@@" counts as one '@' */
static int
at_sign(struct parser *p, const struct tok *t)
{
    if (p->state == S_NONE) return begin(p, t) ? 0 : -1;
    if (p->state == S_DWORD || p->state == S_DDOT) {
        if (!stralloc_append(&p->lp, "@") || !stralloc_cat(&p->lp, &p->dom)) return -1;
        p->dom.len = 0;
        p->words = 1;
    }
    p->state = S_AT;
    p->end = t->end;
    return 0;
}

/* after "<...>": nothing counts until the next separator */
static int
skip_step(struct parser *p, const struct tok *t)
{
    if (t->type == ',' || t->type == ';') p->skip = 0;
    if (t->type == '<') { p->skip = 0; p->angle = A_IN; }
    return 0;
}

/* inside "<@a,@b:": everything up to ':' is the obsolete route */
static int
route_step(struct parser *p, const struct tok *t)
{
    if (t->type == ':') p->angle = A_IN;
    if (t->type == '>') { p->angle = A_OUT; p->skip = 1; }
    return 0;
}

static int
step(struct parser *p, const struct tok *t)
{
    int r;

    if (p->skip) return skip_step(p, t);
    if (p->angle == A_ROUTE) return route_step(p, t);
    switch (t->type) {
    case T_END:
        return emit(p);
    case ',':
    case ';':
        p->angle = A_OUT;
        return emit(p);
    case ':':                   /* a group's name, or junk inside <...> */
        reset(p);
        return 0;
    case '<':
        reset(p);
        p->angle = A_IN;
        return 0;
    case '>':
        if (p->angle == A_OUT) return 0;
        r = emit(p);
        p->angle = A_OUT;
        p->skip = 1;
        return r;
    case '@':
        if (p->angle == A_IN && p->state == S_NONE) { p->angle = A_ROUTE; return 0; }
        return at_sign(p, t);
    case '.':
        return dot(p, t);
    }
    return word(p, t);
}

int
addrlist_walk(const char *s, size_t len,
              int (*fn)(void *, const char *, size_t, size_t, size_t), void *arg)
{
    struct parser p;
    struct tok t;
    int r = 0;

    byte_zero(&p, sizeof p);
    p.s = s;
    p.len = len;
    p.fn = fn;
    p.arg = arg;
    do {
        tok_next(&p, &t);
        r = step(&p, &t);
    } while (r != -1 && t.type != T_END);
    stralloc_free(&p.lp);
    stralloc_free(&p.dom);
    stralloc_free(&p.addr);
    return r == -1 ? -1 : p.count;
}

static int
parse_one(void *arg, const char *a, size_t alen, size_t start, size_t end)
{
    (void)start;
    (void)end;
    return stralloc_catb((stralloc *)arg, a, alen + 1) ? 0 : -1;
}

int
addrlist_parse(const char *s, size_t len, stralloc *out)
{
    return addrlist_walk(s, len, parse_one, out);
}

size_t
addrlist_at(const char *a, size_t alen)
{
    size_t i = 0;

    if (alen && a[0] == '"')
        for (i = 1; i < alen; ++i) {
            if (a[i] == '\\') ++i;
            else if (a[i] == '"') break;
        }
    if (i > alen) i = alen;
    return i + byte_chr(a + i, alen - i, '@');
}

int
addrlist_envelope(stralloc *out, const char *a, size_t alen)
{
    size_t at = addrlist_at(a, alen), i;
    char c;

    for (i = 0; i < alen; ++i) {
        c = a[i];
        if (i < at && a[0] == '"') {            /* the quoted local part */
            if (i == 0 || (c == '"' && i + 1 == at)) continue;
            if (c == '\\' && i + 1 < at) c = a[++i];
        }
        if ((unsigned char)c < 32 || c == 127) c = '?';
        if (!stralloc_append(out, &c)) return 0;
    }
    return 1;
}

static int
nonempty(const char *s)
{
    return s && *s;
}

int
addrlist_qualify(stralloc *out, const char *a, size_t alen,
                 const struct addrlist_hosts *h)
{
    size_t at = addrlist_at(a, alen), dom;
    int changed = 0;

    if (!stralloc_catb(out, a, alen)) return -1;
    dom = out->len - alen + at + 1;
    if (at == alen) {
        if (!nonempty(h->defaulthost)) return 0;
        if (!stralloc_append(out, "@")) return -1;
    }
    if (out->len == dom) {
        if (!nonempty(h->defaulthost)) return 0;
        if (!stralloc_cats(out, h->defaulthost)) return -1;
        changed = 1;
    }
    if (out->s[dom] == '[') return changed;
    if (out->s[out->len - 1] == '+' && nonempty(h->plusdomain)) {
        --out->len;
        if (out->len > dom && out->s[out->len - 1] != '.'
            && !stralloc_append(out, ".")) return -1;
        if (!stralloc_cats(out, h->plusdomain)) return -1;
        changed = 1;
    }
    if (byte_chr(out->s + dom, out->len - dom, '.') == out->len - dom
        && nonempty(h->defaultdomain)) {
        if (!stralloc_append(out, ".") || !stralloc_cats(out, h->defaultdomain))
            return -1;
        changed = 1;
    }
    return changed;
}
