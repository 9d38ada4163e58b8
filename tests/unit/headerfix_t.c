/* headerfix_t.c: unit tests of mail-inject's header rewrite */
#include <time.h>
#include "stralloc.h"
#include "headerfix.h"
#include "t.h"

#define DATE "Thu, 1 Jan 1970 00:00:00 +0000"
#define ADDED "From: joe@box.example.org\nDate: " DATE "\nMessage-ID: <0.42.7@id.example>\n"

static struct headerfix hf = {
    "joe", "box", 0, "id.example", { "box", "example.org", "plus.example" },
    0, 42, 7, 1
};
static stralloc out, rcpt, show;
static size_t body;
static int ret;

static void
run(const char *s, size_t len)
{
    size_t i;

    out.len = rcpt.len = 0;
    body = (size_t)-1;
    ret = headerfix_run(&hf, s, len, &out, &rcpt, &body);
    stralloc_copyb(&show, rcpt.s ? rcpt.s : "", rcpt.len);
    for (i = 0; i < show.len; ++i) if (!show.s[i]) show.s[i] = '|';
    stralloc_0(&show);
    stralloc_0(&out);
    --out.len;
}

/* whole-output check: in -> want header, body text, recipients */
static void
H(const char *in, const char *want, const char *wbody, const char *wrcpt, const char *name)
{
    run(in, strlen(in));
    ok(ret == 0, name);
    is_buf(out.s, out.len, want, name);
    if (strcmp(out.s, want)) printf("# got:\n%s# want:\n%s", out.s, want);
    ok(body <= strlen(in) && strcmp(in + body, wbody) == 0, name);
    ok(strcmp(show.s, wrcpt) == 0, name);
    if (strcmp(show.s, wrcpt)) printf("# rcpt got [%s] want [%s]\n", show.s, wrcpt);
}

static void
test_basic(void)
{
    H("To: a, b@c\nCc: \"J D\" <jd>\nBcc: hidden\nSubject: x\n\nbody\n",
      "To: a@box.example.org, b@c.example.org\nCc: \"J D\" <jd@box.example.org>\n"
      "Subject: x\n" ADDED "\n",
      "body\n", "a@box.example.org|b@c.example.org|jd@box.example.org|hidden@box.example.org|",
      "To/Cc completed, Bcc removed, From/Date/Message-ID added");
    H("From: me@x.y\nDate: whenever\nMessage-ID: <1@x>\nTo: r@s.t\n\n",
      "From: me@x.y\nDate: whenever\nMessage-ID: <1@x>\nTo: r@s.t\n\n",
      "", "r@s.t|", "complete header left alone");
    H("To: u@h+ (plus), v@[1.2.3.4]\nFrom: root\nDate: d\nMessage-ID: m\n\n",
      "To: u@h.plus.example (plus), v@[1.2.3.4]\nFrom: root@box.example.org\n"
      "Date: d\nMessage-ID: m\n\n",
      "", "u@h.plus.example|v@[1.2.3.4]|", "plusdomain, domain literal, From completed");
    H("Return-Path: <x@y>\nCONTENT-length : 12\nbcc:a\nX: y\n\n",
      "X: y\n" ADDED "\n", "", "a@box.example.org|", "dropped fields, any case, blank before ':'");
    H("To: Team: a, b;, (c) d,\n\t\"e f\"@g\nSubject: s\n\nx",
      "To: Team: a@box.example.org, b@box.example.org;, (c) d@box.example.org,\n"
      "\t\"e f\"@g.example.org\nSubject: s\n" ADDED "\n",
      "x", "a@box.example.org|b@box.example.org|d@box.example.org|\"e f\"@g.example.org|",
      "group, comment, folded line kept folded");
    H("To: x\"y\", z(c)w\n\n", "To: x y@box.example.org, z(c)w@box.example.org\n" ADDED "\n",
      "", "y@box.example.org|w@box.example.org|", "a rewritten address does not glue to a word");
    H("Sender: s\nReply-To: r\nMail-Followup-To: m\nErrors-To: e\nX-To: x\n\n",
      "Sender: s@box.example.org\nReply-To: r@box.example.org\n"
      "Mail-Followup-To: m@box.example.org\nErrors-To: e@box.example.org\nX-To: x\n"
      ADDED "\n", "", "", "other address fields completed, X-To not, none are recipients");
}

static void
test_resent(void)
{
    H("Resent-To: r1\nResent-Cc: r2@x.y\nResent-Bcc: r3\nTo: a\nFrom: me\nDate: d\n"
      "Message-ID: m\n\nb",
      "Resent-From: joe@box.example.org\nResent-Date: " DATE "\n"
      "Resent-Message-ID: <0.42.7R@id.example>\n"
      "Resent-To: r1@box.example.org\nResent-Cc: r2@x.y\nTo: a@box.example.org\n"
      "From: me@box.example.org\nDate: d\nMessage-ID: m\n\n",
      "b", "r1@box.example.org|r2@x.y|r3@box.example.org|",
      "Resent- fields: recipients from Resent-To/Cc/Bcc, Resent- block added on top");
    H("Resent-To: r1\n\n",
      "Resent-From: joe@box.example.org\nResent-Date: " DATE "\n"
      "Resent-Message-ID: <0.42.7R@id.example>\nResent-To: r1@box.example.org\n" ADDED "\n",
      "", "r1@box.example.org|", "both Message-IDs added: they differ (R)");
    H("Resent-From: x@y.z\nResent-Date: d\nResent-Message-ID: m\nTo: a\n\n",
      "Resent-From: x@y.z\nResent-Date: d\nResent-Message-ID: m\nTo: a@box.example.org\n"
      ADDED "\n", "", "", "Resent- fields present: nothing added to them; To not a recipient");
}

static void
test_noheader(void)
{
    H("", ADDED "\n", "", "", "empty input");
    H("Hello there\nSubject: not a header\n",
      ADDED "\n", "Hello there\nSubject: not a header\n", "", "body from the first line");
    H(" indented first line\n", ADDED "\n", " indented first line\n", "", "continuation as first line: no header");
    H("\nbody", ADDED "\n", "body", "", "empty header, then body");
    H("Subject: only a header", "Subject: only a header\n" ADDED "\n", "", "",
      "header without body or newline");
    H("Subject: s\r\n\r\nbody\r\n", "Subject: s\r\n" ADDED "\n", "body\r\n", "",
      "CRLF empty line ends the header");
    H("Subject: s\nFrom nobody Thu\nbody\n", "Subject: s\n" ADDED "\n", "From nobody Thu\nbody\n", "",
      "a non-header line starts the body");
    H("Subject", ADDED "\n", "Subject", "", "a name without ':' at the end is body");
}

static void
test_from(void)
{
    struct headerfix save = hf;

    hf.fullname = "  Joe Q. \"Quote\" Doe ";
    H("", "From: \"Joe Q. \\\"Quote\\\" Doe\" <joe@box.example.org>\nDate: " DATE
      "\nMessage-ID: <0.42.7@id.example>\n\n", "", "", "full name quoted when it must be");
    hf.fullname = "Plain Name";
    hf.user = "j d";
    hf.host = "mail.example.net";
    H("", "From: Plain Name <\"j d\"@mail.example.net>\nDate: " DATE
      "\nMessage-ID: <0.42.7@id.example>\n\n", "", "", "plain full name, quoted user, MAILHOST");
    hf.fullname = "Evil\nBcc: victim@x\r\n";
    hf.user = "a\nb";
    hf.host = "h\n<x>";
    hf.idhost = "id\n>x";
    H("", "From: \"EvilBcc: victim@x\" <ab@hx.example.org>\nDate: " DATE
      "\nMessage-ID: <0.42.7@idx>\n\n", "", "", "no header injection through settings");
    hf.fullname = 0;
    hf.user = 0;
    hf.host = 0;
    hf.idhost = 0;
    H("", "From: anonymous@box.example.org\nDate: " DATE
      "\nMessage-ID: <0.42.7@localhost>\n\n", "", "", "null settings have defaults");
    hf = save;
    hf.rcpts = 0;
    H("To: a\n\n", "To: a@box.example.org\n" ADDED "\n", "", "", "rcpts off: nothing collected");
    hf = save;
}

static void
test_line(void)
{
    ok(headerfix_line("Subject: x\n", 11, 1) == HF_FIELD, "line: field");
    ok(headerfix_line("Subject : x\n", 12, 1) == HF_FIELD, "line: blank before ':'");
    ok(headerfix_line(" x\n", 3, 0) == HF_CONT, "line: continuation");
    ok(headerfix_line("\tx\n", 3, 1) == HF_END, "line: continuation first is not a header");
    ok(headerfix_line("\n", 1, 0) == HF_END, "line: empty");
    ok(headerfix_line("\r\n", 2, 0) == HF_END, "line: empty, CRLF");
    ok(headerfix_line("\r", 1, 0) == HF_MORE, "line: a lone CR so far (a CRLF cut by a read): more");
    ok(headerfix_line("\r\n", 2, 0) == HF_END, "line: CRLF empty");
    ok(headerfix_line(": x\n", 4, 0) == HF_END, "line: empty name");
    ok(headerfix_line("Sub", 3, 0) == HF_MORE, "line: partial name");
    ok(headerfix_line("Sub  ", 5, 0) == HF_MORE, "line: partial name and blanks");
    ok(headerfix_line("Sub:", 4, 0) == HF_FIELD, "line: partial field");
    ok(headerfix_line("", 0, 0) == HF_MORE, "line: nothing yet");
    ok(headerfix_line("From x", 6, 0) == HF_END, "line: From_ line is not a field");
    ok(headerfix_line("Subj\0: x\n", 9, 0) == HF_END, "line: NUL in a name");
}

static void
catnum(stralloc *sa, unsigned long u)
{
    char n[24];
    size_t k = sizeof n;

    do n[--k] = (char)('0' + u % 10); while (u /= 10);
    stralloc_catb(sa, n + k, sizeof n - k);
}

static void
test_hostile(void)
{
    static stralloc in;
    static const char nul[] = "X-A: a\0b\nTo: x\0y\nSubject: z\0\n\nbody";
    time_t t0 = time(0);
    size_t i, n;

    in.len = 0;
    stralloc_cats(&in, "To: ");
    for (i = 0; i < 10000; ++i) {
        stralloc_cats(&in, i ? ",\n u" : "u");
        catnum(&in, i);
    }
    stralloc_cats(&in, "\n\nbody\n");
    run(in.s, in.len);
    for (n = i = 0; i < rcpt.len; ++i) n += rcpt.s[i] == 0;
    ok(ret == 0 && n == 10000, "10,000 recipients collected");
    ok(strstr(show.s, "|u9999@box.example.org|") != 0, "the last one completed");
    ok(body == in.len - 5, "body after 10,000 folded lines");

    in.len = 0;
    stralloc_cats(&in, "To: a@b.c, ");
    for (i = 0; i < 100 * 1024; ++i) stralloc_cats(&in, "x");
    stralloc_cats(&in, "\nX-Long: ");
    for (i = 0; i < 200 * 1024; ++i) stralloc_cats(&in, "y");
    stralloc_cats(&in, "\n\n");
    run(in.s, in.len);
    ok(ret == 0 && body == in.len, "100 KB and 200 KB lines");
    ok(out.len == in.len + 16 + sizeof ADDED - 1, "long lines kept, one address completed");

    run(nul, sizeof nul - 1);
    ok(ret == 0 && body == sizeof nul - 1 - 4, "NUL bytes: header still found");
    ok(strcmp(show.s, "y@box.example.org|") == 0, "NUL in To is white space");
    ok(memcmp(out.s, "X-A: a\0b\nTo: x\0y@box.example.org\nSubject: z\0\n", 45) == 0,
       "NUL bytes elsewhere kept as they were");

    in.len = 0;
    stralloc_cats(&in, "To: \"unbalanced, a@b (x <y\nCc: <c@d\nBcc: ((((\n\n");
    run(in.s, in.len);
    ok(ret == 0 && body == in.len, "unbalanced quotes and brackets: header found");
    ok(strcmp(show.s, "\"unbalanced, a@b (x <y\"@box.example.org|c@d.example.org|") == 0,
       "unbalanced: best-effort recipients");

    in.len = 0;
    stralloc_cats(&in, "To: ");
    for (i = 0; i < 1024 * 1024; ++i) stralloc_cats(&in, "(");
    stralloc_cats(&in, "\nCc: ");
    for (i = 0; i < 1024 * 1024; ++i) stralloc_cats(&in, "\"");
    stralloc_cats(&in, "\n\n");
    run(in.s, in.len);
    ok(ret == 0 && rcpt.len == 0, "1 MB of '(' and of '\"': no recipients");

    in.len = 0;
    for (i = 0; i < 10000; ++i) stralloc_cats(&in, "X-Many: field\n");
    stralloc_cats(&in, "\n");
    run(in.s, in.len);
    ok(ret == 0 && out.len == in.len + sizeof ADDED - 1, "10,000 fields");
    ok(time(0) - t0 < 20, "all of that in linear time");
}

int
main(void)
{
    test_basic();
    test_resent();
    test_noheader();
    test_from();
    test_line();
    test_hostile();
    return done_testing();
}
