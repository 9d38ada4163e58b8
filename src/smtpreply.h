/* smtpreply.h: SMTP replies with enhanced status codes (RFC 5321, RFC 3463) */
#ifndef KIRIM_SMTPREPLY_H
#define KIRIM_SMTPREPLY_H
#include <stddef.h>
#include "buffer.h"
#include "stralloc.h"

/* Append one reply line to out: "code esc text\r\n", or with a '-'
   after the code when more lines follow.  code is three digits; esc
   an enhanced status code such as "2.1.0" (0: none, for the greeting
   and EHLO's first line only); bytes of text outside printable ASCII
   are written as '?'.  Returns 1, or 0 when out of memory. */
int smtpreply_line(stralloc *out, const char *code, int more,
                   const char *esc, const char *text, size_t len);

/* The reply for a queue result from qclient_close (qclient.h): "" is
   250 2.0.0 with "ok", the time and qp (the queue process id); a
   'D' message is 554, a 'Z' message 451; the enhanced code is taken
   from a "(#x.y.z)" at the end of the text when its class matches,
   else 5.3.0 or 4.3.0.  out gets the complete reply line. */
int smtpreply_queue(stralloc *out, const char *qmsg, unsigned long when,
                    unsigned long qp);

/* Does line (one reply line, with or without CRLF) look right: three
   digits whose first is 2, 4 or 5, ' ' or '-', and an enhanced code whose
   class is the same digit?  1 yes, 0 no.  Used by the tests. */
int smtpreply_valid(const char *line, size_t len);

#endif
