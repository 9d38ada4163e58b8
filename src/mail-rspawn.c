/* mail-rspawn: run mail-remote for remote deliveries, one result per recipient */
#include <unistd.h>
#include "byte.h"
#include "case.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "die.h"
#include "rreport.h"
#include "spawner.h"

#define BATCH 50                /* recipients of one message per mail-remote */

static stralloc prog;

static const char *
rspawn_domain(const char *addr)
{
    size_t i = str_rchr(addr, '@');

    return addr[i] ? addr + i + 1 : addr + i;
}

/* same message, same sender, same domain: one SMTP transaction */
static int
rspawn_joins(const struct spawner_req *first, const struct spawner_req *r)
{
    const char *a = rspawn_domain(first->recipient), *b = rspawn_domain(r->recipient);
    size_t n = str_len(a);

    return first->id == r->id && str_equal(first->sender, r->sender)
        && n == str_len(b) && !case_diffb(a, n, b);
}

static void
rspawn_deliver(const struct spawner_req *rs, unsigned long n)
{
    static const char *args[BATCH + 5];
    unsigned long i;

    args[0] = "mail-remote";
    args[1] = rspawn_domain(rs[0].recipient);
    args[2] = rs[0].sender;
    for (i = 0; i < n; ++i) args[3 + i] = rs[i].recipient;
    args[3 + n] = 0;
    execv(prog.s, (char *const *)args);
    spawner_fail(111, 1, "unable to run ", prog.s);
}

static void
rspawn_report(int ws, const char *out, size_t len, const unsigned long *slots,
              unsigned long n)
{
    static struct rreport rr;
    static stralloc text;
    char letter;
    unsigned long i;

    if (rreport_parse(out, len, n, &rr)) {
        for (i = 0; i < n; ++i) {
            letter = rreport_letter(&rr, i);
            if (!rreport_text(&rr, i, &text)) die_nomem();
            spawner_put(slots[i], letter, text.s, text.len);
        }
        return;
    }
    /* no proper report: a crash, an exec failure, a usage error */
    letter = spawner_outcome(ws, out, len, "mail-remote", &text);
    if (!letter) die_nomem();
    for (i = 0; i < n; ++i) spawner_put(slots[i], 'Z', text.s, text.len);
}

int
main(int argc, char **argv)
{
    static const struct spawner_batch b = {
        rspawn_joins, BATCH, 1, rspawn_deliver, rspawn_report
    };

    (void)argv;
    progname = "mail-rspawn";
    if (argc != 1) die_usage("mail-rspawn");
    if (!stralloc_copys(&prog, auto_home) || !stralloc_cats(&prog, "/bin/mail-remote")
        || !stralloc_0(&prog)) die_nomem();
    return spawner_runbatch(&b, "mail-remote");
}
