/* smtpcmd_t.c: MAIL/RCPT argument parsing, parameters, verb split */
#include <limits.h>
#include "smtpcmd.h"
#include "t.h"

static struct smtppath p;

static int
mail(const char *a)
{
    return smtpcmd_mail(a, strlen(a), &p);
}

static int
rcpt(const char *a, int utf8)
{
    return smtpcmd_rcpt(a, strlen(a), utf8, &p);
}

int
main(void)
{
    const char *arg;
    size_t al, v;
    char big[700];

    v = smtpcmd_split("MAIL FROM:<a@b>", 15, &arg, &al);
    ok(v == 4, "verb length");
    is_buf(arg, al, "FROM:<a@b>", "argument after the verb");
    v = smtpcmd_split("QUIT", 4, &arg, &al);
    ok(v == 4 && al == 0, "verb alone");
    v = smtpcmd_split("NOOP   x", 8, &arg, &al);
    is_buf(arg, al, "x", "blanks after the verb skipped");

    ok(mail("FROM:<user@example.org>") == SMTPCMD_OK, "plain sender");
    is_buf(p.addr.s, p.addr.len, "user@example.org", "sender address");
    ok(p.at == 4, "at index");
    ok(mail("from: <user@example.org>") == SMTPCMD_OK, "lower case and a blank after the colon");
    ok(mail("FROM:<>") == SMTPCMD_OK && p.addr.len == 0, "null sender");
    ok(mail("FROM:user@example.org") == SMTPCMD_SYNTAX, "brackets are required");
    ok(mail("FROM<a@b>") == SMTPCMD_SYNTAX, "colon required");
    ok(mail("FROM:<a@b") == SMTPCMD_ADDR, "unclosed bracket");
    ok(mail("FROM:<user>") == SMTPCMD_ADDR, "sender needs a domain");
    ok(mail("FROM:<@relay.example:user@example.org>") == SMTPCMD_OK, "source route accepted");
    is_buf(p.addr.s, p.addr.len, "user@example.org", "source route dropped");
    ok(mail("FROM:<@a.example,@b.example:u@c.example>") == SMTPCMD_OK, "two-hop route");
    is_buf(p.addr.s, p.addr.len, "u@c.example", "two-hop route dropped");
    ok(mail("FROM:<@a.example u@c.example>") == SMTPCMD_ADDR, "broken route");
    ok(mail("FROM:<@[192.0.2.1]:u@c.example>") == SMTPCMD_OK, "route through an address literal");
    ok(mail("FROM:<\"john doe\"@example.org>") == SMTPCMD_OK, "quoted local part");
    is_buf(p.addr.s, p.addr.len, "john doe@example.org", "quotes removed");
    ok(p.at == 8, "at after the quoted part");
    ok(mail("FROM:<\"a\\\"b\"@x.example>") == SMTPCMD_OK, "escaped quote");
    is_buf(p.addr.s, p.addr.len, "a\"b@x.example", "escape removed");
    ok(mail("FROM:<\"a@b\"@x.example>") == SMTPCMD_OK && p.at == 3, "quoted @ stays in the local part");
    ok(mail("FROM:<\"\"@x.example>") == SMTPCMD_ADDR, "empty quoted local part");
    ok(mail("FROM:<\"a\tb\"@x.example>") == SMTPCMD_ADDR, "control byte in quotes");
    ok(mail("FROM:<a b@x.example>") == SMTPCMD_ADDR, "blank in a bare local part");
    ok(mail("FROM:<u@example.org.>") == SMTPCMD_OK, "trailing dot");
    is_buf(p.addr.s, p.addr.len, "u@example.org", "trailing dot removed");
    ok(mail("FROM:<u@.>") == SMTPCMD_ADDR, "domain only a dot");
    ok(mail("FROM:<u@a..b>") == SMTPCMD_ADDR, "empty label");
    ok(mail("FROM:<u@[192.0.2.1]>") == SMTPCMD_OK, "address literal");
    is_buf(p.addr.s, p.addr.len, "u@[192.0.2.1]", "literal kept with brackets");
    ok(mail("FROM:<u@[]>") == SMTPCMD_ADDR, "empty literal");
    ok(mail("FROM:<u@[1.2\\]>") == SMTPCMD_ADDR, "backslash in literal");
    ok(rcpt("TO:<u@[192.0.2.@other.example]>", 0) == SMTPCMD_ADDR,
       "'@' in literal (fuzz: downstream splits at the last '@')");
    ok(mail("FROM:<u@exa_mple.org>") == SMTPCMD_ADDR, "underscore in domain");

    ok(mail("FROM:<a@b.example> SIZE=12345") == SMTPCMD_OK, "SIZE");
    ok(p.hassize && p.size == 12345, "SIZE value");
    ok(mail("FROM:<a@b.example> SIZE=99999999999999999999999") == SMTPCMD_OK, "huge SIZE");
    ok(p.size == ULLONG_MAX, "huge SIZE saturates");
    ok(mail("FROM:<a@b.example> SIZE=12x") == SMTPCMD_PARAMVAL, "bad SIZE");
    ok(mail("FROM:<a@b.example> SIZE=") == SMTPCMD_PARAMVAL, "empty SIZE");
    ok(mail("FROM:<a@b.example> SIZE=1 SIZE=2") == SMTPCMD_PARAMVAL, "SIZE twice");
    ok(mail("FROM:<a@b.example> body=8bitmime") == SMTPCMD_OK && p.body == SMTPCMD_BODY_8BITMIME, "BODY=8BITMIME");
    ok(mail("FROM:<a@b.example> BODY=7BIT") == SMTPCMD_OK && p.body == SMTPCMD_BODY_7BIT, "BODY=7BIT");
    ok(mail("FROM:<a@b.example> BODY=BINARYMIME") == SMTPCMD_PARAMVAL, "BINARYMIME refused");
    ok(mail("FROM:<a@b.example> SMTPUTF8") == SMTPCMD_OK && p.utf8, "SMTPUTF8");
    ok(mail("FROM:<a@b.example> RET=FULL") == SMTPCMD_PARAM, "unknown parameter");
    ok(mail("FROM:<a@b.example>SIZE=1") == SMTPCMD_SYNTAX, "parameter needs a blank");
    ok(mail("FROM:<a@b.example>   ") == SMTPCMD_OK, "trailing blanks");
    ok(mail("FROM:<j\xc3\xb6rg@b.example>") == SMTPCMD_8BIT, "UTF-8 without SMTPUTF8");
    ok(mail("FROM:<j\xc3\xb6rg@b.example> SMTPUTF8") == SMTPCMD_OK, "UTF-8 with SMTPUTF8");

    ok(rcpt("TO:<bob@example.org>", 0) == SMTPCMD_OK, "recipient");
    ok(rcpt("To:<Postmaster>", 0) == SMTPCMD_OK && p.at == p.addr.len, "postmaster without domain");
    ok(rcpt("TO:<bob>", 0) == SMTPCMD_ADDR, "other recipients need a domain");
    ok(rcpt("TO:<>", 0) == SMTPCMD_ADDR, "null recipient");
    ok(rcpt("TO:<bob@example.org> NOTIFY=NEVER", 0) == SMTPCMD_PARAM, "no RCPT parameters");
    ok(rcpt("TO:<b\xc3\xb6" "b@example.org>", 0) == SMTPCMD_8BIT, "8-bit recipient without SMTPUTF8");
    ok(rcpt("TO:<b\xc3\xb6" "b@example.org>", 1) == SMTPCMD_OK, "8-bit recipient with SMTPUTF8");
    ok(rcpt("TO:<u%remote.example@example.org>", 0) == SMTPCMD_OK, "percent is atext");
    ok(rcpt("TO:<remote.example!u@example.org>", 0) == SMTPCMD_OK, "bang is atext");
    ok(rcpt("TO:<bob@example.org", 0) == SMTPCMD_ADDR, "unclosed");
    ok(rcpt("FROM:<bob@example.org>", 0) == SMTPCMD_SYNTAX, "wrong keyword");

    memset(big, 'a', sizeof big);
    memcpy(big, "TO:<", 4);
    memcpy(big + 600, "@example.org>", 14);
    ok(rcpt(big, 0) == SMTPCMD_TOOLONG, "address longer than SMTPCMD_ADDRMAX");
    return done_testing();
}
