/* smtpclient.h: SMTP replies from a server (multi-line), EHLO keywords,
   and the client's DATA encoding (CRLF, dot-stuffing) */
#ifndef KIRIM_SMTPCLIENT_H
#define KIRIM_SMTPCLIENT_H
#include <stddef.h>
#include "stralloc.h"

#define SMTPCLIENT_TEXTMAX 2000  /* reply text kept; the rest is dropped */
#define SMTPCLIENT_LINEMAX 1000  /* longer lines are cut (RFC 5321: 512) */

struct smtpclient {
    unsigned int code;          /* 0 until the first line */
    stralloc text;              /* the lines without CRLF, joined by LF */
    unsigned long lines;
};

void smtpclient_reset(struct smtpclient *r);
/* Add one line (without its LF; a CR before it is ignored). Returns 1
   when this was the last line of the reply, 0 when more follow, -1 when
   the line is not a reply line (no 3-digit code 200..599, a code that
   differs from the first line's, or a byte after the code other than
   space or '-'), -2 out of memory. */
int smtpclient_line(struct smtpclient *r, const char *line, size_t len);

/* what an EHLO reply offers */
#define EHLO_PIPELINING 1u
#define EHLO_8BITMIME 2u
#define EHLO_SIZE 4u
#define EHLO_STARTTLS 8u
#define EHLO_SMTPUTF8 16u
struct ehlo {
    unsigned int flags;
    unsigned long size;         /* SIZE's limit; 0: none stated */
};
/* The keywords of an EHLO reply text (first line is the greeting). */
void smtpclient_ehlo(const char *text, size_t len, struct ehlo *e);

/* DATA encoding: LF becomes CRLF, a line starting with "." gets another */
struct smtpclient_data {
    int midline;                /* the last byte given was not an LF */
};
/* Append in[0..len) encoded to out. 0: out of memory. */
int smtpclient_dataput(struct smtpclient_data *st, const char *in, size_t len, stralloc *out);
/* Append the end: CRLF if the message did not end with LF, then ".CRLF". */
int smtpclient_dataend(struct smtpclient_data *st, stralloc *out);

#endif
