/* smtpcmd.c: SMTP command-line parsing; pure functions over (pointer, length) */
#include <limits.h>
#include "byte.h"
#include "case.h"
#include "str.h"
#include "smtpcmd.h"

size_t
smtpcmd_split(const char *s, size_t len, const char **arg, size_t *arglen)
{
    size_t v = byte_chr(s, len, ' '), i = v;

    while (i < len && s[i] == ' ') ++i;
    *arg = s + i;
    *arglen = len - i;
    return v;
}

static int
isatext(unsigned char c)
{
    if (c >= 128) return 1;                     /* UTF-8, checked later */
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c && str_chr("!#$%&'*+-/=?^_`{|}~.", (char)c) < 20;
}

static int
isdomainc(unsigned char c)
{
    return c >= 128 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* "@a,@b:" at s[*i]: skip it; 0 when malformed */
static int
skiproute(const char *s, size_t len, size_t *i)
{
    size_t j = *i;

    while (j < len && s[j] == '@') {
        ++j;
        if (j >= len || (!isdomainc((unsigned char)s[j]) && s[j] != '[')) return 0;
        while (j < len && (isdomainc((unsigned char)s[j]) || s[j] == '['
                           || s[j] == ']')) ++j;
        if (j < len && s[j] == ',') { ++j; continue; }
        if (j < len && s[j] == ':') { *i = j + 1; return 1; }
        return 0;
    }
    return 0;
}

/* the local part at s[*i], unquoted, into out; 0 when malformed */
static int
localpart(const char *s, size_t len, size_t *i, stralloc *out, int *nomem)
{
    size_t j = *i;
    unsigned char c;

    if (j < len && s[j] == '"') {
        for (++j; j < len && s[j] != '"'; ++j) {
            if (s[j] == '\\') { if (++j >= len) return 0; }
            c = (unsigned char)s[j];
            if (c < 32 || c == 127) return 0;
            if (!stralloc_append(out, s + j)) { *nomem = 1; return 0; }
        }
        if (j >= len) return 0;
        ++j;
        if (j == *i + 2) return 0;              /* "" */
    } else {
        for (; j < len && isatext((unsigned char)s[j]); ++j)
            if (!stralloc_append(out, s + j)) { *nomem = 1; return 0; }
        if (j == *i) return 0;
    }
    *i = j;
    return 1;
}

/* the domain at s[*i] up to '>', trailing dots dropped, into out */
static int
domain(const char *s, size_t len, size_t *i, stralloc *out, int *nomem)
{
    size_t j = *i, start = out->len;
    unsigned char c;

    if (j < len && s[j] == '[') {
        for (; j < len && s[j] != ']'; ++j) {
            c = (unsigned char)s[j];
            /* no '@': the address's last '@' must be the one before the domain */
            if (c < 33 || c > 126 || c == '\\' || c == '@' || (c == '[' && j != *i))
                return 0;
        }
        if (j >= len || j - *i < 2) return 0;
        ++j;
        if (!stralloc_catb(out, s + *i, j - *i)) { *nomem = 1; return 0; }
        *i = j;
        return 1;
    }
    for (; j < len && isdomainc((unsigned char)s[j]); ++j) ;
    if (!stralloc_catb(out, s + *i, j - *i)) { *nomem = 1; return 0; }
    while (out->len > start && out->s[out->len - 1] == '.') --out->len;
    if (out->len == start || out->s[start] == '.' || out->s[start] == '-') return 0;
    for (size_t k = start + 1; k < out->len; ++k)
        if (out->s[k] == '.' && out->s[k - 1] == '.') return 0;
    *i = j;
    return 1;
}

static int
has8bit(const stralloc *sa)
{
    for (size_t k = 0; k < sa->len; ++k)
        if ((unsigned char)sa->s[k] >= 128) return 1;
    return 0;
}

/* "<path>" at arg[*i]; nullok: "<>" allowed; domainless: "postmaster" */
static int
path(const char *s, size_t len, size_t *i, struct smtppath *p, int mail)
{
    size_t j = *i;
    int nomem = 0;

    p->addr.len = 0;
    p->at = 0;
    if (j >= len || s[j] != '<') return SMTPCMD_SYNTAX;
    ++j;
    if (j < len && s[j] == '>') {
        if (!mail) return SMTPCMD_ADDR;
        *i = j + 1;
        return SMTPCMD_OK;
    }
    if (j < len && s[j] == '@' && !skiproute(s, len, &j)) return SMTPCMD_ADDR;
    if (!localpart(s, len, &j, &p->addr, &nomem))
        return nomem ? SMTPCMD_NOMEM : SMTPCMD_ADDR;
    p->at = p->addr.len;
    if (j < len && s[j] == '@') {
        if (!stralloc_append(&p->addr, "@")) return SMTPCMD_NOMEM;
        ++j;
        if (!domain(s, len, &j, &p->addr, &nomem))
            return nomem ? SMTPCMD_NOMEM : SMTPCMD_ADDR;
    } else if (mail || p->addr.len != 10 || case_diffb(p->addr.s, 10, "postmaster"))
        return SMTPCMD_ADDR;
    if (j >= len || s[j] != '>') return SMTPCMD_ADDR;
    if (p->addr.len > SMTPCMD_ADDRMAX) return SMTPCMD_TOOLONG;
    *i = j + 1;
    return SMTPCMD_OK;
}

/* "FROM:" or "TO:" and blanks */
static int
keyword(const char *s, size_t len, const char *kw, size_t *i)
{
    size_t k = str_len(kw);

    if (len < k || case_diffb(s, k, kw)) return 0;
    *i = k;
    while (*i < len && s[*i] == ' ') ++(*i);
    return 1;
}

static int
scansize(const char *s, size_t len, unsigned long long *u)
{
    unsigned long long v = 0;
    size_t k;

    if (!len) return 0;
    for (k = 0; k < len; ++k) {
        if (s[k] < '0' || s[k] > '9') return 0;
        if (v > (ULLONG_MAX - 9) / 10) v = ULLONG_MAX;   /* saturate */
        else v = v * 10 + (unsigned long long)(s[k] - '0');
    }
    *u = v;
    return 1;
}

/* one "KEY[=VALUE]" of MAIL */
static int
mailparam(const char *s, size_t len, struct smtppath *p)
{
    size_t eq = byte_chr(s, len, '=');
    const char *v = s + eq + 1;
    size_t vl = eq < len ? len - eq - 1 : 0;

    if (eq == 4 && !case_diffb(s, 4, "SIZE")) {
        if (p->hassize || !scansize(v, vl, &p->size)) return SMTPCMD_PARAMVAL;
        p->hassize = 1;
        return SMTPCMD_OK;
    }
    if (eq == 4 && !case_diffb(s, 4, "BODY")) {
        if (p->body) return SMTPCMD_PARAMVAL;
        if (vl == 4 && !case_diffb(v, 4, "7BIT")) p->body = SMTPCMD_BODY_7BIT;
        else if (vl == 8 && !case_diffb(v, 8, "8BITMIME")) p->body = SMTPCMD_BODY_8BITMIME;
        else return SMTPCMD_PARAMVAL;
        return SMTPCMD_OK;
    }
    if (len == 8 && !case_diffb(s, 8, "SMTPUTF8")) {
        if (p->utf8) return SMTPCMD_PARAMVAL;
        p->utf8 = 1;
        return SMTPCMD_OK;
    }
    return SMTPCMD_PARAM;
}

int
smtpcmd_mail(const char *arg, size_t len, struct smtppath *p)
{
    size_t i, k;
    int r;

    p->utf8 = p->body = p->hassize = 0;
    p->size = 0;
    if (!keyword(arg, len, "FROM:", &i)) return SMTPCMD_SYNTAX;
    if ((r = path(arg, len, &i, p, 1)) != SMTPCMD_OK) return r;
    while (i < len) {
        if (arg[i] != ' ') return SMTPCMD_SYNTAX;
        while (i < len && arg[i] == ' ') ++i;
        if (i >= len) break;
        k = byte_chr(arg + i, len - i, ' ');
        if ((r = mailparam(arg + i, k, p)) != SMTPCMD_OK) return r;
        i += k;
    }
    if (!p->utf8 && has8bit(&p->addr)) return SMTPCMD_8BIT;
    return SMTPCMD_OK;
}

int
smtpcmd_rcpt(const char *arg, size_t len, int utf8, struct smtppath *p)
{
    size_t i;
    int r;

    if (!keyword(arg, len, "TO:", &i)) return SMTPCMD_SYNTAX;
    if ((r = path(arg, len, &i, p, 0)) != SMTPCMD_OK) return r;
    while (i < len && arg[i] == ' ') ++i;
    if (i < len) return SMTPCMD_PARAM;
    if (!utf8 && has8bit(&p->addr)) return SMTPCMD_8BIT;
    return SMTPCMD_OK;
}
