/* smtpcmd.c (fuzz): what mail-smtpd reads as a command line: verb and
   argument, MAIL FROM and RCPT TO paths (source routes, quoted local
   parts, address literals) and MAIL's parameters (SIZE=, BODY=,
   SMTPUTF8). Input: a byte (bit 0: the transaction has SMTPUTF8, for
   RCPT), then command lines separated by LF (a CR before it dropped).
   Each line's argument goes to both smtpcmd_mail and smtpcmd_rcpt, in
   an exact-size copy. An accepted address is re-rendered as a path and
   must parse back to the same result. */
#include <limits.h>
#include "stralloc.h"
#include "smtpcmd.h"
#include "fuzz.h"

static int
atext(unsigned char c)
{
    if (c >= 128) return 1;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c && strchr("!#$%&'*+-/=?^_`{|}~.", c) != 0;
}

/* does n[0..nl) occur in h[0..hl)? */
static int
occurs(const char *h, size_t hl, const char *n, size_t nl)
{
    size_t i;

    for (i = 0; i + nl <= hl; ++i)
        if (!memcmp(h + i, n, nl)) return 1;
    return 0;
}

/* properties of an accepted path, whatever the command */
static void
check_addr(const char *arg, size_t len, const struct smtppath *p, int mail, int utf8)
{
    size_t k;

    fuzz_check(p->addr.len <= SMTPCMD_ADDRMAX && p->addr.len <= len);
    fuzz_check(p->at <= p->addr.len);
    for (k = 0; k < p->addr.len; ++k) {
        unsigned char c = (unsigned char)p->addr.s[k];

        fuzz_check(c >= 32 && c != 127);        /* no NUL, CR, LF, controls */
        if (!utf8) fuzz_check(c < 128);
    }
    if (!p->addr.len) { fuzz_check(mail); return; }
    if (p->at == p->addr.len) {
        /* only RCPT TO:<postmaster> goes without a domain */
        fuzz_check(!mail && p->addr.len == 10);
        return;
    }
    fuzz_check(p->addr.s[p->at] == '@' && p->at > 0);
    {
        const char *d = p->addr.s + p->at + 1;
        size_t dl = p->addr.len - p->at - 1;

        fuzz_check(dl > 0 && !memchr(d, '@', dl));
        fuzz_check(occurs(arg, len, d, dl));   /* the domain as sent */
        if (d[0] == '[') {
            fuzz_check(dl >= 3 && d[dl - 1] == ']');
        } else {
            fuzz_check(d[0] != '.' && d[0] != '-' && d[dl - 1] != '.');
            fuzz_check(!occurs(d, dl, "..", 2));
        }
    }
}

/* p as a command argument again: "FROM:<...> params" or "TO:<...>" */
static void
render(stralloc *sa, const struct smtppath *p, int mail)
{
    size_t k;
    int plain = p->at > 0;
    char num[40];

    for (k = 0; k < p->at; ++k)
        if (!atext((unsigned char)p->addr.s[k])) plain = 0;
    fuzz_check(stralloc_copys(sa, mail ? "FROM:<" : "TO:<"));
    if (plain || !p->addr.len) {
        fuzz_check(stralloc_catb(sa, p->addr.s, p->at));
    } else {
        fuzz_check(stralloc_append(sa, "\""));
        for (k = 0; k < p->at; ++k) {
            if (p->addr.s[k] == '"' || p->addr.s[k] == '\\')
                fuzz_check(stralloc_append(sa, "\\"));
            fuzz_check(stralloc_append(sa, p->addr.s + k));
        }
        fuzz_check(stralloc_append(sa, "\""));
    }
    fuzz_check(stralloc_catb(sa, p->addr.s + p->at, p->addr.len - p->at));
    fuzz_check(stralloc_append(sa, ">"));
    if (!mail) return;
    if (p->hassize && p->size != ULLONG_MAX) {
        snprintf(num, sizeof num, " SIZE=%llu", p->size);
        fuzz_check(stralloc_cats(sa, num));
    }
    if (p->body == SMTPCMD_BODY_7BIT) fuzz_check(stralloc_cats(sa, " body=7bit"));
    if (p->body == SMTPCMD_BODY_8BITMIME) fuzz_check(stralloc_cats(sa, " BODY=8BITMIME"));
    if (p->utf8) fuzz_check(stralloc_cats(sa, " smtputf8"));
}

static void
check_again(const struct smtppath *p, int mail, int utf8)
{
    static stralloc line;
    static struct smtppath q;
    char *copy;
    int r;

    render(&line, p, mail);
    copy = malloc(line.len);
    fuzz_check(copy != 0);
    memcpy(copy, line.s, line.len);
    r = mail ? smtpcmd_mail(copy, line.len, &q) : smtpcmd_rcpt(copy, line.len, utf8, &q);
    free(copy);
    fuzz_check(r == SMTPCMD_OK);
    fuzz_check(q.addr.len == p->addr.len && q.at == p->at);
    fuzz_check(!p->addr.len || !memcmp(q.addr.s, p->addr.s, p->addr.len));
    if (mail) {
        fuzz_check(q.utf8 == p->utf8 && q.body == p->body);
        fuzz_check(q.hassize == (p->hassize && p->size != ULLONG_MAX));
        fuzz_check(!q.hassize || q.size == p->size);
    }
}

static void
check_line(const char *s, size_t len, int utf8)
{
    static struct smtppath p;
    const char *arg;
    size_t arglen, v;
    int r;

    v = smtpcmd_split(s, len, &arg, &arglen);
    fuzz_check(v <= len && !memchr(s, ' ', v));
    fuzz_check(arg >= s + v && arg + arglen == s + len);
    fuzz_check(!arglen || arg[0] != ' ');

    r = smtpcmd_mail(arg, arglen, &p);
    fuzz_check(r >= SMTPCMD_NOMEM && r <= SMTPCMD_8BIT);
    if (r == SMTPCMD_OK) {
        fuzz_check(p.body >= SMTPCMD_BODY_NONE && p.body <= SMTPCMD_BODY_8BITMIME);
        fuzz_check(p.hassize || p.size == 0);
        check_addr(arg, arglen, &p, 1, p.utf8);
        check_again(&p, 1, 0);
    }
    r = smtpcmd_rcpt(arg, arglen, utf8, &p);
    fuzz_check(r >= SMTPCMD_NOMEM && r <= SMTPCMD_8BIT && r != SMTPCMD_PARAMVAL);
    if (r == SMTPCMD_OK) {
        fuzz_check(p.addr.len > 0);
        check_addr(arg, arglen, &p, 0, utf8);
        check_again(&p, 0, utf8);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data + (size ? 1 : 0);
    size_t len = size ? size - 1 : 0, i, start, l;
    int utf8 = size ? data[0] & 1 : 0;

    for (start = 0; start <= len; start = i + 1) {
        char *copy;

        for (i = start; i < len && s[i] != '\n'; ++i) ;
        l = i - start;
        if (l && s[start + l - 1] == '\r') --l;
        /* an exact-size copy, so that reading past the line shows */
        copy = malloc(l ? l : 1);
        fuzz_check(copy != 0);
        memcpy(copy, s + start, l);
        check_line(copy, l, utf8);
        free(copy);
        if (i >= len) break;
    }
    return 0;
}
