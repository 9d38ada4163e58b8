/* addrlist_t.c: unit tests of the address-list parser and completion rules */
#include <time.h>
#include "stralloc.h"
#include "addrlist.h"
#include "t.h"

static stralloc out, show;

/* Debian's libowfat declares fmt_ulong pure (and its stralloc_catulong0
   appends nothing): format by hand */
static void
catnum(stralloc *sa, unsigned long u, size_t width)
{
    char n[24];
    size_t k = sizeof n;

    do n[--k] = (char)('0' + u % 10); while (u /= 10);
    while (width-- > sizeof n - k) stralloc_append(sa, "0");
    stralloc_catb(sa, n + k, sizeof n - k);
}

static int count;

/* parse s[0..len); show holds the addresses joined by '|' */
static const char *
parse(const char *s, size_t len)
{
    size_t i;

    out.len = 0;
    count = addrlist_parse(s, len, &out);
    stralloc_copyb(&show, out.s ? out.s : "", out.len);
    for (i = 0; i < show.len; ++i) if (!show.s[i]) show.s[i] = '|';
    if (show.len) --show.len;       /* no '|' after the last */
    stralloc_0(&show);
    return show.s;
}

#define P(in, want, name) do { \
    parse((in), strlen(in)); \
    ok(strcmp(show.s, (want)) == 0, (name)); \
    if (strcmp(show.s, (want))) printf("# got [%s] want [%s]\n", show.s, (want)); \
} while (0)

static void
test_forms(void)
{
    P("a@example.org", "a@example.org", "bare address");
    P("a@b, John Doe <jd@x.org>", "a@b|jd@x.org", "display name and angle address");
    P("\"Doe, John\" <jd@x.org>, c@d", "jd@x.org|c@d", "quoted display name with a comma");
    P("John Q. Public <jqp@x>", "jqp@x", "obsolete phrase with a dot");
    P("undisclosed-recipients:;", "", "empty group");
    P("team: a@x, b@y;, c@z", "a@x|b@y|c@z", "group with members, then an address");
    P("a: b@c; d: e@f;", "b@c|e@f", "two groups");
    P("\"john doe\"@x", "\"john doe\"@x", "quoted local part kept quoted");
    P("\"john\".doe@x", "john.doe@x", "needless quotes dropped");
    P("\"a.b\"@x", "a.b@x", "quoted dot-atom unquoted");
    P("\"a..b\"@x", "\"a..b\"@x", "double dot stays quoted");
    P("\"a\\\"b\\\\c\"@x", "\"a\\\"b\\\\c\"@x", "escaped quote and backslash");
    P("<@a,@b:u@x>", "u@x", "obsolete route dropped");
    P("Joe <@relay.example:joe@x>", "joe@x", "route after a display name");
    P("u", "u", "no domain");
    P("u@", "u", "empty domain");
    P("a (c (nested) x) @ b . c", "a@b.c", "nested comments and spaces");
    P("joe@x (Joe Smith)", "joe@x", "comment as display name");
    P("(only a comment)", "", "only a comment");
    P("u@[1.2.3.4]", "u@[1.2.3.4]", "domain literal");
    P("u@[ 1.2.3.4 ]", "u@[1.2.3.4]", "domain literal, blanks dropped");
    P("<>", "", "null address gives nothing");
    P("M\xc3\xbcller <m@\xc3\xbc.de>", "m@\xc3\xbc.de", "8-bit text");
    P("a@b\n c@d", "a@b|c@d", "folded, no comma: two addresses");
    P("", "", "empty value");
    P(" ,,, ; ", "", "only separators");
}

static void
test_broken(void)
{
    P("John <a@b", "a@b", "missing '>' at the end");
    P("John <a@b, Jane <c@d>", "a@b|c@d", "missing '>' before a comma");
    P("a@b>", "a@b", "stray '>'");
    P(")a@b(", "a@b", "stray ')' and unclosed '('");
    P("a@b (unclosed, c@d", "a@b", "unclosed comment runs to the end");
    P("\"unterminated, a@b", "\"unterminated, a@b\"", "unclosed quote runs to the end");
    P("a@[1.2", "a@[1.2]", "unclosed domain literal");
    /* found by fuzzing (tests/fuzz/corpus/addrlist/dlit-pair): dropping
       the control byte of a quoted-pair left its backslash quoting ']' */
    P("a@[1\\\001].b", "a@[1].b", "quoted control byte dropped with its backslash");
    P("a@[1\\]2]", "a@[1\\]2]", "quoted ']' kept, literal closed after it");
    P("a@[1\\", "a@[1]", "unclosed literal ending in a backslash");
    P("<<a@b>>", "a@b", "doubled brackets");
    P("<a@b> trailing junk, c@d", "a@b|c@d", "text after <...> ignored");
    P("<a@b> <c@d>", "a@b|c@d", "two angle addresses without comma");
    P("a@b c@d", "a@b|c@d", "missing comma");
    P("a@b@c", "\"a@b\"@c", "two '@': the last one splits");
    P("a@@b", "a@b", "'@@' is one '@'");
    P("john doe@x", "doe@x", "unquoted display name without brackets");
    P("<a@b c>", "a@b", "junk inside brackets");
    P("<@a,@b", "", "unclosed route");
    P("@x", "", "no local part");
    P("\\a@b", "\"\\\\a\"@b", "backslash outside quotes");
    P("a\x01" "b@c", "b@c", "control byte is white space");
}

static void
test_nul(void)
{
    static const char a[] = "a\0b@c, d@e";
    static const char b[] = "\"x\0y\"@z";
    static const char c[] = "x@\0y";

    ok(strcmp(parse(a, sizeof a - 1), "b@c|d@e") == 0, "NUL outside quotes is white space");
    ok(strcmp(parse(b, sizeof b - 1), "xy@z") == 0, "NUL inside quotes is dropped");
    ok(strcmp(parse(c, sizeof c - 1), "x@y") == 0, "NUL inside a domain");
    ok(memchr(out.s, 0, out.len) == out.s + out.len - 1, "only the terminating NUL is left");
}

/* many addresses, huge values, pathological nesting: linear and sane */
static void
test_hostile(void)
{
    static stralloc big;
    time_t t0 = time(0);
    size_t i;

    big.len = 0;
    for (i = 0; i < 10000; ++i) {
        stralloc_cats(&big, "user");
        catnum(&big, (unsigned long)i, 5);
        stralloc_cats(&big, "@example.org, ");
    }
    parse(big.s, big.len);
    ok(count == 10000, "10,000 addresses counted");
    ok(strstr(show.s, "user09999@example.org") != 0, "the last one is there");
    ok(strncmp(show.s, "user00000@example.org|user00001@", 32) == 0, "in order");

    big.len = 0;
    for (i = 0; i < 100 * 1024; ++i) stralloc_append(&big, "x");
    stralloc_cats(&big, "@example.org");
    parse(big.s, big.len);
    ok(count == 1 && out.len == 100 * 1024 + 13, "100 KB local part kept whole");

#define FILL(str, name, want) do { \
    big.len = 0; \
    for (i = 0; i < 1024 * 1024; i += strlen(str)) stralloc_cats(&big, str); \
    parse(big.s, big.len); \
    ok(count == (want), name); \
} while (0)
    FILL("(", "1 MB of '(' : no address", 0);
    FILL(")", "1 MB of ')' : no address", 0);
    FILL("\"", "1 MB of '\"'", 0);
    FILL("\"\\", "1 MB of '\"\\': one unclosed quoted string", 1);
    FILL("<", "1 MB of '<' : no address", 0);
    FILL(">", "1 MB of '>' : no address", 0);
    FILL("@", "1 MB of '@' : no address", 0);
    FILL("[", "1 MB of '['", 1);
    FILL(":", "1 MB of ':' : no address", 0);
    FILL(".", "1 MB of '.' : no address", 0);
    FILL("<@", "1 MB of '<@' : no address", 0);
    FILL("a ", "1 MB of words: one address", 1);
    FILL("a@b ", "1 MB of addresses without commas", 262144);
    ok(time(0) - t0 < 20, "all of that in linear time");
}

static int
span_cb(void *arg, const char *a, size_t alen, size_t start, size_t end)
{
    stralloc *sa = arg;

    stralloc_catb(sa, a, alen);
    stralloc_cats(sa, "=");
    catnum(sa, (unsigned long)start, 0);
    stralloc_cats(sa, "-");
    catnum(sa, (unsigned long)end, 0);
    stralloc_cats(sa, ";");
    return 0;
}

static int
stop_cb(void *arg, const char *a, size_t alen, size_t start, size_t end)
{
    (void)a; (void)alen; (void)start; (void)end;
    ++*(int *)arg;
    return -1;
}

static void
test_walk(void)
{
    static stralloc sa;
    int calls = 0;
    const char *s = "Jo <jd@x>, \"a b\" . c @ d";

    ok(addrlist_walk(s, strlen(s), span_cb, &sa) == 2, "walk counts");
    is_buf(sa.s, sa.len, "jd@x=4-8;\"a b.c\"@d=11-24;", "spans cover the addr-spec only");
    ok(addrlist_walk("a, b", 4, stop_cb, &calls) == -1 && calls == 1, "fn can stop the walk");
}

static void
Q(const char *in, const char *want, int wantr, const char *name)
{
    static stralloc q;
    struct addrlist_hosts h = { "dh", "dd.example", "pd.example" };
    int r;

    q.len = 0;
    r = addrlist_qualify(&q, in, strlen(in), &h);
    is_buf(q.s, q.len, want, name);
    ok(r == wantr, name);
}

static void
test_qualify(void)
{
    static stralloc q;
    struct addrlist_hosts none = { 0, "", 0 };
    struct addrlist_hosts onlyhost = { "host.example", 0, 0 };

    Q("u", "u@dh.dd.example", 1, "u: defaulthost, then defaultdomain");
    Q("u@h", "u@h.dd.example", 1, "u@h: defaultdomain");
    Q("u@h.x", "u@h.x", 0, "u@h.x: unchanged");
    Q("u@h+", "u@h.pd.example", 1, "u@h+: plusdomain");
    Q("u@+", "u@pd.example", 1, "u@+: plusdomain alone");
    Q("u@h.+", "u@h.pd.example", 1, "u@h.+: no double dot");
    Q("u@[1.2.3.4]", "u@[1.2.3.4]", 0, "domain literal untouched");
    Q("\"a@b\"", "\"a@b\"@dh.dd.example", 1, "'@' inside quotes is not the domain");
    Q("\"a@b\"@c.d", "\"a@b\"@c.d", 0, "quoted '@' with a domain");
    Q("\"a\\\"@b\"", "\"a\\\"@b\"@dh.dd.example", 1, "escaped quote inside quotes");
    Q("r+", "r+@dh.dd.example", 1, "'+' in the local part is not plusdomain");
    q.len = 0;
    ok(addrlist_qualify(&q, "u@h", 3, &none) == 0 && q.len == 3, "empty rules: unchanged");
    q.len = 0;
    ok(addrlist_qualify(&q, "u", 1, &none) == 0 && q.len == 1, "no defaulthost: no domain added");
    q.len = 0;
    addrlist_qualify(&q, "u", 1, &onlyhost);
    is_buf(q.s, q.len, "u@host.example", "the simple helper: add a default host");
    ok(addrlist_at("a@b", 3) == 1, "at: plain");
    ok(addrlist_at("ab", 2) == 2, "at: none");
    ok(addrlist_at("\"a@b\"@c", 7) == 5, "at: after quotes");
    ok(addrlist_at("\"a@b", 4) == 4, "at: unclosed quote");
    q.len = 0;
    ok(addrlist_catlocal(&q, "a b", 3) && q.len == 5, "catlocal quotes a space");
}

int
main(void)
{
    test_forms();
    test_broken();
    test_nul();
    test_hostile();
    test_walk();
    test_qualify();
    return done_testing();
}
