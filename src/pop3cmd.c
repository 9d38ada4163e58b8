/* pop3cmd.c: POP3 command lines: bounded reading, splitting, numbers */
#include "byte.h"
#include "pop3cmd.h"

int
pop3cmd_getline(buffer *b, stralloc *sa, size_t max)
{
    ssize_t r;
    char c;
    int over = 0;

    stralloc_zero(sa);
    for (;;) {
        r = buffer_getc(b, &c);
        if (r < 0) return -1;
        if (r == 0) return 0;
        if (c == '\n') break;
        if (over) continue;
        if (sa->len + 1 >= max) { over = 1; continue; }   /* room for LF */
        if (!stralloc_append(sa, &c)) return -1;
    }
    if (over) { stralloc_zero(sa); return -2; }
    if (sa->len && sa->s[sa->len - 1] == '\r') --sa->len;
    if (sa->len + 2 > max) { stralloc_zero(sa); return -2; }  /* CRLF counts */
    return 1;
}

int
pop3cmd_parse(const char *line, size_t len, struct pop3cmd *c)
{
    size_t i, n = 0;
    char ch;

    for (i = 0; i < len; ++i) if (!line[i]) return -1;
    for (i = 0; i < len && line[i] != ' '; ++i) {
        ch = line[i];
        if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
        if (ch < 'A' || ch > 'Z' || n >= POP3CMD_VERBMAX) return 0;
        c->verb[n++] = ch;
    }
    if (!n) return 0;
    c->verb[n] = 0;
    if (i < len) ++i;           /* the one space after the verb */
    c->arg = line + i;
    c->arglen = len - i;
    return 1;
}

size_t
pop3cmd_words(const char *s, size_t len, const char **w, size_t *wl, size_t max)
{
    size_t i = 0, j, n = 0;

    for (;;) {
        while (i < len && s[i] == ' ') ++i;
        if (i >= len) return n;
        for (j = i; j < len && s[j] != ' '; ++j) ;
        if (n < max) { w[n] = s + i; wl[n] = j - i; }
        ++n;
        i = j;
    }
}

int
pop3cmd_num(const char *s, size_t len, unsigned long *n)
{
    unsigned long u = 0;
    size_t i;

    if (len < 1 || len > 9) return 0;
    for (i = 0; i < len; ++i) {
        if (s[i] < '0' || s[i] > '9') return 0;
        u = u * 10 + (unsigned long)(s[i] - '0');
    }
    *n = u;
    return 1;
}
