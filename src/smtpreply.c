/* smtpreply.c: formatting SMTP reply lines and mapping queue results to replies */
#include "fmt.h"
#include "str.h"
#include "smtpreply.h"

int
smtpreply_line(stralloc *out, const char *code, int more, const char *esc,
               const char *text, size_t len)
{
    size_t i;
    char c;

    if (!stralloc_catb(out, code, 3)) return 0;
    if (!stralloc_append(out, more ? "-" : " ")) return 0;
    if (esc && *esc) {
        if (!stralloc_cats(out, esc) || !stralloc_append(out, " ")) return 0;
    }
    for (i = 0; i < len; ++i) {
        c = text[i];
        if ((unsigned char)c < 32 || (unsigned char)c > 126) c = '?';
        if (!stralloc_append(out, &c)) return 0;
    }
    return stralloc_catb(out, "\r\n", 2);
}

static int
isdigit_(char c)
{
    return c >= '0' && c <= '9';
}

/* length of an enhanced code "c.n.n" at s (up to len), or 0 */
static size_t
esclen(const char *s, size_t len)
{
    size_t i = 0, parts = 0, digits;

    while (parts < 3) {
        for (digits = 0; i < len && isdigit_(s[i]) && digits < 4; ++i) ++digits;
        if (!digits || (parts == 0 && digits != 1)) return 0;
        ++parts;
        if (parts < 3) {
            if (i >= len || s[i] != '.') return 0;
            ++i;
        }
    }
    return i;
}

int
smtpreply_queue(stralloc *out, const char *qmsg, unsigned long when,
                unsigned long qp)
{
    char num[FMT_ULONG];
    char esc[16];
    const char *t;
    size_t len, n, e;
    int perm;

    out->len = 0;
    if (!*qmsg) {
        static stralloc text;
        if (!stralloc_copys(&text, "ok ")) return 0;
        n = fmt_ulong(num, when);
        if (!stralloc_catb(&text, num, n) || !stralloc_cats(&text, " qp ")) return 0;
        n = fmt_ulong(num, qp);
        if (!stralloc_catb(&text, num, n)) return 0;
        return smtpreply_line(out, "250", 0, "2.0.0", text.s, text.len);
    }
    perm = *qmsg == 'D';
    t = qmsg + 1;
    len = str_len(t);
    str_copy(esc, perm ? "5.3.0" : "4.3.0");
    /* a trailing "(#x.y.z)" becomes the enhanced code */
    if (len >= 8 && t[len - 1] == ')') {
        for (n = len - 1; n > 0 && t[n] != '('; --n) ;
        if (t[n] == '(' && n + 2 < len && t[n + 1] == '#') {
            e = esclen(t + n + 2, len - n - 3);
            if (e && e == len - n - 3 && e < sizeof esc
                && t[n + 2] == (perm ? '5' : '4')) {
                for (size_t i = 0; i < e; ++i) esc[i] = t[n + 2 + i];
                esc[e] = 0;
                len = n;
                while (len && t[len - 1] == ' ') --len;
            }
        }
    }
    return smtpreply_line(out, perm ? "554" : "451", 0, esc, t, len);
}

int
smtpreply_valid(const char *line, size_t len)
{
    size_t e;

    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) --len;
    if (len < 10) return 0;
    if ((line[0] != '2' && line[0] != '4' && line[0] != '5')
        || !isdigit_(line[1]) || !isdigit_(line[2]))
        return 0;
    if (line[3] != ' ' && line[3] != '-') return 0;
    if (line[4] != line[0]) return 0;
    e = esclen(line + 4, len - 4);
    if (!e) return 0;
    return 4 + e == len || line[4 + e] == ' ';
}
