/* dotstuff.h: a message as a POP3 multi-line response (RFC 1939 section 3) */
#ifndef KIRIM_DOTSTUFF_H
#define KIRIM_DOTSTUFF_H
#include <stddef.h>
#include "buffer.h"

/* The writer turns each LF not preceded by CR into CRLF, doubles a dot
   that starts a line, and passes every other byte as it is (a CR alone
   stays a CR). With a line limit (TOP) it stops after the header, the
   blank line and that many body lines. State lives in the struct, so a
   message can be fed in pieces of any size. */
struct dotstuff {
    int prevcr;             /* last byte seen was CR */
    int bol;                /* at the beginning of a line */
    int header;             /* still in the header */
    int limited;            /* maxlines applies */
    int done;               /* limit reached: further input is ignored */
    size_t linelen;         /* bytes in the current line so far */
    unsigned long maxlines; /* body lines to send when limited */
    unsigned long lines;    /* body lines sent */
};

/* start a message; limited 0 for RETR, 1 for TOP with maxlines */
void dotstuff_init(struct dotstuff *d, int limited, unsigned long maxlines);
/* feed bytes; 0 ok, -1 the buffer's write failed */
int dotstuff_put(struct dotstuff *d, buffer *out, const char *s, size_t n);
/* close the response: CRLF if the message did not end a line, then ".CRLF" */
int dotstuff_end(struct dotstuff *d, buffer *out);

/* Octets the message has with CRLF line ends, before dot-stuffing (the
   size LIST and STAT report): n plus one for every LF without a CR
   before it. *prevcr carries the last byte's state between calls. */
unsigned long long dotstuff_size(int *prevcr, const char *s, size_t n);

#endif
