/* spawner_t.c: request parsing, result records, exit status to letter */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "stralloc.h"
#include "spawner.h"
#include "t.h"

#define REQ(s) s, sizeof s - 1
/* like is_buf, for literals holding NULs */
#define is_lit(p, len, lit, name) \
    ok((size_t)(len) == sizeof lit - 1 && memcmp((p), lit, sizeof lit - 1) == 0, (name))

/* a real wait status: a child that exits with code, or kills itself with sig */
static int
status(int code, int sig)
{
    int ws;
    pid_t pid = fork();

    if (pid == -1) exit(2);
    if (pid == 0) {
        if (sig) { signal(sig, SIG_DFL); kill(getpid(), sig); }
        _exit(code);
    }
    if (waitpid(pid, &ws, 0) != pid) exit(2);
    return ws;
}

static void
test_parse(void)
{
    struct spawner_req r;
    static char big[SPAWNER_REQMAX + 10];
    size_t i;

    ok(spawner_parse(REQ("3\00012345\0a@b.example\0joe@c.example\0"), &r) == 34,
       "a whole request is used up");
    ok(r.slot == 3 && r.id == 12345, "slot and id");
    ok(!strcmp(r.sender, "a@b.example") && !strcmp(r.recipient, "joe@c.example"),
       "sender and recipient");
    ok(spawner_parse(REQ("0\0001\0\0x@y\0rest"), &r) == 9 && !*r.sender,
       "null sender; trailing bytes left alone");
    ok(spawner_parse(REQ("3\00012345\0a@b\0joe@c"), &r) == 0, "no final NUL: incomplete");
    ok(spawner_parse(REQ("3\00012"), &r) == 0, "cut inside the id: incomplete");
    ok(spawner_parse("", 0, &r) == 0, "nothing: incomplete");
    ok(spawner_parse(REQ("x\0001\0a\0b\0"), &r) == -1, "slot not a number");
    ok(spawner_parse(REQ("\0001\0a\0b\0"), &r) == -1, "empty slot");
    ok(spawner_parse(REQ("1\0001x\0a\0b\0"), &r) == -1, "id not a number");
    ok(spawner_parse(REQ("-1\0001\0a\0b\0"), &r) == -1, "negative slot");
    ok(spawner_parse(REQ("1\0001\0a\0\0"), &r) == -1, "empty recipient");
    ok(spawner_parse(REQ("99999999999999999999\0001\0a\0b\0"), &r) == -1, "slot too large");
    for (i = 0; i < sizeof big; ++i) big[i] = 'a';
    ok(spawner_parse(big, sizeof big, &r) == -1, "no NUL in more than SPAWNER_REQMAX bytes");
}

static void
test_result(void)
{
    static stralloc rec;
    static char text[2000];

    ok(spawner_result(&rec, 7, 'K', REQ("did 0+0+1/")), "result formatted");
    is_lit(rec.s, rec.len, "7\0Kdid 0+0+1/\0", "slot NUL letter text NUL");
    stralloc_zero(&rec);
    ok(spawner_result(&rec, 0, 'Z', REQ("a\0b\nc")), "result with a NUL");
    is_lit(rec.s, rec.len, "0\0Za?b\nc\0", "NUL in the text replaced, newline kept");
    stralloc_zero(&rec);
    memset(text, 'x', sizeof text);
    ok(spawner_result(&rec, 12, 'D', text, sizeof text), "long result");
    ok(rec.len == 3 + 1 + SPAWNER_TEXTMAX + 1, "text cut at SPAWNER_TEXTMAX");
}

static void
test_outcome(void)
{
    static stralloc t;
    static char text[2000];

    ok(spawner_outcome(status(0, 0), REQ("did 1\n"), "mail-local", &t) == 'K', "exit 0: K");
    is_buf(t.s, t.len, "did 1", "trailing newline cut");
    ok(spawner_outcome(status(99, 0), REQ("ok"), "mail-local", &t) == 'K', "exit 99: K");
    ok(spawner_outcome(status(100, 0), REQ("no mailbox here\n"), "mail-local", &t) == 'D',
       "exit 100: D");
    is_buf(t.s, t.len, "no mailbox here", "D text is the output");
    ok(spawner_outcome(status(111, 0), REQ(""), "mail-local", &t) == 'Z', "exit 111: Z");
    is_buf(t.s, t.len, "temporary failure", "empty output gets a default text");
    ok(spawner_outcome(status(0, 0), REQ(""), "mail-local", &t) == 'K', "K default");
    is_buf(t.s, t.len, "delivered", "K default text");
    ok(spawner_outcome(status(1, 0), REQ("oops\n"), "mail-local", &t) == 'Z', "exit 1: Z");
    is_buf(t.s, t.len, "oops\nmail-local exited with unexpected code 1", "unexpected code noted");
    ok(spawner_outcome(status(0, SIGKILL), REQ("half"), "mail-local", &t) == 'Z', "SIGKILL: Z");
    is_buf(t.s, t.len, "half\nmail-local crashed (signal 9)", "crash noted");
    ok(spawner_outcome(status(0, SIGSEGV), REQ(""), "mail-remote", &t) == 'Z', "SIGSEGV: Z");
    is_buf(t.s, t.len, "mail-remote crashed (signal 11)", "crash note alone");
    memset(text, 'y', sizeof text);
    text[5] = '\0';
    ok(spawner_outcome(status(0, SIGKILL), text, sizeof text, "mail-local", &t) == 'Z', "long + crash");
    ok(t.len == SPAWNER_TEXTMAX, "long output with a note stays within SPAWNER_TEXTMAX");
    ok(t.s[5] == '?', "NUL in the output replaced");
    ok(t.len > 10 && !memcmp(t.s + t.len - 10, "(signal 9)", 10), "the note survives the cut");
}

int
main(void)
{
    test_parse();
    test_result();
    test_outcome();
    return done_testing();
}
