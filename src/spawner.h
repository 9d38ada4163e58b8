/* spawner.h: the request/result loop shared by mail-lspawn and mail-rspawn */
#ifndef KIRIM_SPAWNER_H
#define KIRIM_SPAWNER_H
#include <stddef.h>
#include "stralloc.h"

#define SPAWNER_TEXTMAX 1000    /* longest result text (doc/internals.md) */
#define SPAWNER_REQMAX 4096     /* longest request record */

/* one request: "slot\0id\0sender\0recipient\0" (doc/internals.md) */
struct spawner_req {
    unsigned long slot;
    unsigned long id;
    const char *sender;         /* NUL-ended, may be empty */
    const char *recipient;      /* NUL-ended, never empty */
};

/* Parse one request at the start of s[0..len). Returns the bytes it
   used, 0 when the record is not complete yet, -1 when it is malformed
   (slot or id not a number, empty recipient, longer than SPAWNER_REQMAX).
   The strings in r point into s. */
long spawner_parse(const char *s, size_t len, struct spawner_req *r);

/* Append the result record "slot\0" letter text "\0" to rec; the text is
   cut at SPAWNER_TEXTMAX bytes and its NULs become '?'. 0: no memory. */
int spawner_result(stralloc *rec, unsigned long slot, char letter,
                   const char *text, size_t len);

/* The letter for a child's wait status (0 and 99: K, 100: D, 111: Z,
   anything else and signals: Z) and the result text in text: the
   child's output out[0..len) without trailing newlines, then a note when
   prog crashed or exited with another code, at most SPAWNER_TEXTMAX
   bytes. Returns 0 when out of memory. */
char spawner_outcome(int wstatus, const char *out, size_t len,
                     const char *prog, stralloc *text);

/* Read requests on fd 0 and run deliver for each in a child of its own
   (at most one per slot, slots below auto_spawn), with fd 0 the message
   queue/mess/S/id (relative to the working directory, which must be
   conf-home) and fds 1 and 2 a pipe whose first SPAWNER_TEXTMAX bytes
   become the result text. deliver must exec or _exit with 0, 99, 100 or
   111. Writes results on fd 1. Returns at end of input once every child
   has been reported: 0, or 111 after a malformed request (input is not
   read past it). prog names the delivery program in crash notes. */
int spawner_run(void (*deliver)(const struct spawner_req *), const char *prog);

/* Grouped deliveries (mail-rspawn): consecutive requests that arrive
   together and that joins() accepts (same message, same host...) go to
   one child, at most max of them. deliver runs in the child with the
   group; report turns the child's wait status and output (fd 1 only
   when keeperr, else fds 1 and 2; at most SPAWNER_TEXTMAX bytes per
   request plus as much again) into one spawner_put per slot. */
struct spawner_batch {
    int (*joins)(const struct spawner_req *first, const struct spawner_req *r);
    unsigned long max;
    int keeperr;                /* the child's fd 2 stays the spawner's */
    void (*deliver)(const struct spawner_req *rs, unsigned long n);
    void (*report)(int wstatus, const char *out, size_t len,
                   const unsigned long *slots, unsigned long n);
};
int spawner_runbatch(const struct spawner_batch *b, const char *prog);

/* In the spawner: queue the result record of one slot (report above). */
void spawner_put(unsigned long slot, char letter, const char *text, size_t len);

/* In a child: write m1 m2 (": " strerror(errno) when withsys) and a
   newline on fd 1, then _exit(code). */
void spawner_fail(int code, int withsys, const char *m1, const char *m2)
    __attribute__((noreturn));

#endif
