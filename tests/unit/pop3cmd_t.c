/* pop3cmd_t.c: POP3 command lines: bounded reading, verbs, words, numbers */
#include "buffer.h"
#include "stralloc.h"
#include "pop3cmd.h"
#include "t.h"

int
main(void)
{
    static stralloc sa;
    static char big[5000];
    struct pop3cmd c;
    const char *w[3];
    size_t wl[3];
    unsigned long n;
    buffer b;
    size_t i;

    buffer_frombuf(&b, "USER joe\r\nnoop\nPASS\r\r\npartial", 29);
    ok(pop3cmd_getline(&b, &sa, 100) == 1, "first line");
    is_buf(sa.s, sa.len, "USER joe", "CRLF removed");
    ok(pop3cmd_getline(&b, &sa, 100) == 1, "bare LF line");
    is_buf(sa.s, sa.len, "noop", "LF removed");
    ok(pop3cmd_getline(&b, &sa, 100) == 1 && sa.len == 5, "only one CR removed");
    ok(pop3cmd_getline(&b, &sa, 100) == 0, "partial last line is end of input");

    for (i = 0; i < sizeof big; ++i) big[i] = 'x';
    big[2000] = '\n';
    memcpy(big + 2001, "QUIT\r\n", 6);
    buffer_frombuf(&b, big, 2007);
    ok(pop3cmd_getline(&b, &sa, 1024) == -2, "2000 bytes: too long");
    ok(pop3cmd_getline(&b, &sa, 1024) == 1, "the next line is read after it");
    is_buf(sa.s, sa.len, "QUIT", "resynchronised on the next line");
    big[1022] = '\n';
    buffer_frombuf(&b, big, 1023);
    ok(pop3cmd_getline(&b, &sa, 1024) == 1 && sa.len == 1022, "1022 bytes + CRLF is the limit");
    big[1022] = 'x'; big[1023] = '\n';
    buffer_frombuf(&b, big, 1024);
    ok(pop3cmd_getline(&b, &sa, 1024) == -2, "1023 bytes is over");

    ok(pop3cmd_parse("stat", 4, &c) == 1 && !strcmp(c.verb, "STAT") && c.arglen == 0,
       "verb upper-cased, no argument");
    ok(pop3cmd_parse("Top 1 10", 8, &c) == 1 && !strcmp(c.verb, "TOP"), "TOP");
    is_buf(c.arg, c.arglen, "1 10", "argument after one space");
    ok(pop3cmd_parse("PASS  two  spaces ", 18, &c) == 1, "PASS with spaces");
    is_buf(c.arg, c.arglen, " two  spaces ", "argument kept as sent");
    ok(pop3cmd_parse("", 0, &c) == 0, "empty line");
    ok(pop3cmd_parse(" USER", 5, &c) == 0, "leading space");
    ok(pop3cmd_parse("US3R x", 6, &c) == 0, "digit in verb");
    ok(pop3cmd_parse("ABCDEFGHIJKLMNOP", 16, &c) == 0, "16-letter verb");
    ok(pop3cmd_parse("ABCDEFGHIJKLMNO", 15, &c) == 1, "15-letter verb");
    ok(pop3cmd_parse("USER a\0b", 8, &c) == -1, "NUL in the argument");
    ok(pop3cmd_parse("\0", 1, &c) == -1, "NUL alone");

    ok(pop3cmd_words("1 10", 4, w, wl, 3) == 2, "two words");
    is_buf(w[1], wl[1], "10", "second word");
    ok(pop3cmd_words("  a   b  c ", 11, w, wl, 3) == 3, "extra spaces");
    is_buf(w[2], wl[2], "c", "third word");
    ok(pop3cmd_words("a b c d e", 9, w, wl, 3) == 5, "count beyond max");
    ok(pop3cmd_words("", 0, w, wl, 3) == 0, "no words");

    ok(pop3cmd_num("42", 2, &n) && n == 42, "42");
    ok(pop3cmd_num("007", 3, &n) && n == 7, "leading zeros");
    ok(!pop3cmd_num("", 0, &n), "empty");
    ok(!pop3cmd_num("-1", 2, &n), "sign");
    ok(!pop3cmd_num("1x", 2, &n), "trailing junk");
    ok(pop3cmd_num("999999999", 9, &n) && n == 999999999, "9 digits");
    ok(!pop3cmd_num("1000000000", 10, &n), "10 digits refused");
    return done_testing();
}
