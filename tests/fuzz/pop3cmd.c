/* pop3cmd.c (fuzz): what the POP3 server reads from a client: bounded
   command lines read in pieces, verb and argument, words, numbers, and
   AUTH PLAIN's base64 (sasl.c). Input: the client's bytes, as sent. */
#include "stralloc.h"
#include "pop3cmd.h"
#include "sasl.h"
#include "fuzz.h"

static void
check_line(const char *s, size_t len)
{
    static stralloc user, pass;
    struct pop3cmd c;
    const char *w[4];
    size_t wl[4], n, i;
    unsigned long num;
    int r;

    r = pop3cmd_parse(s, len, &c);
    fuzz_check(r >= -1 && r <= 1);
    if (r != 1) return;
    fuzz_check(strlen(c.verb) >= 1 && strlen(c.verb) <= POP3CMD_VERBMAX);
    for (i = 0; c.verb[i]; ++i) fuzz_check(c.verb[i] >= 'A' && c.verb[i] <= 'Z');
    fuzz_check(c.arg >= s && c.arg + c.arglen <= s + len);
    n = pop3cmd_words(c.arg, c.arglen, w, wl, 4);
    for (i = 0; i < n && i < 4; ++i) {
        fuzz_check(wl[i] > 0 && w[i] >= c.arg && w[i] + wl[i] <= c.arg + c.arglen);
        fuzz_check(!memchr(w[i], ' ', wl[i]));
        if (pop3cmd_num(w[i], wl[i], &num) == 1)
            fuzz_check(wl[i] <= 9 && num <= 999999999UL);
    }
    r = sasl_plain(c.arg, c.arglen, &user, &pass);
    fuzz_check(r == 0 || r == 1);
    if (r == 1) {
        fuzz_check(user.len + pass.len + 2 <= c.arglen);
        fuzz_check(!memchr(user.s, 0, user.len) && !memchr(pass.s, 0, pass.len));
        if (sasl_creds(&user, &pass))
            fuzz_check(user.len >= 1 && user.len <= 255 && pass.len >= 1 && pass.len <= 255);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static stralloc line;
    char space[64];
    struct fuzz_src src;
    buffer b;
    int r;

    fuzz_buffer(&b, &src, (const char *)data, size, size % 17 + 1, space, sizeof space);
    for (;;) {
        r = pop3cmd_getline(&b, &line, POP3CMD_LINEMAX);
        fuzz_check(r >= -2 && r <= 1 && r != -1);
        if (r == 0) break;
        if (r == -2) continue;
        fuzz_check(line.len + 1 <= POP3CMD_LINEMAX);
        fuzz_check(!line.len || !memchr(line.s, '\n', line.len));
        check_line(line.s, line.len);
    }
    return 0;
}
