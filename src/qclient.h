/* qclient.h: hand a message to mail-queue (or $MAILQUEUE) */
#ifndef KIRIM_QCLIENT_H
#define KIRIM_QCLIENT_H
#include <stddef.h>
#include <sys/types.h>
#include "buffer.h"

struct qclient {
    pid_t pid;
    int fdm;            /* message, to the queue's fd 0 */
    int fde;            /* envelope, to the queue's fd 1 */
    int fdc;            /* custom error text, from the queue's fd 6 */
    int err;            /* a write failed */
    buffer b;
    char buf[8192];
};

/* 0 started, -1 could not (errno) */
int qclient_open(struct qclient *q);
void qclient_put(struct qclient *q, const char *s, size_t len);
void qclient_puts(struct qclient *q, const char *s);
/* sender and each recipient, NUL-free, after the message */
void qclient_from(struct qclient *q, const char *s, size_t len);
void qclient_to(struct qclient *q, const char *s, size_t len);
/* "" when queued; else "D..." (permanent) or "Z..." (temporary) text;
   *code gets the queue's exit code */
const char *qclient_close(struct qclient *q, int *code);
/* give up: close the pipes before the envelope is complete, so the
   queue program removes what it wrote, and wait for it */
void qclient_abort(struct qclient *q);
/* one-line message for a mail-queue exit code, with D/Z prefix */
const char *qclient_errstr(int code);

#endif
