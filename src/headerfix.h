/* headerfix.h: mail-inject's header rewrite, a pure function of bytes and settings */
#ifndef KIRIM_HEADERFIX_H
#define KIRIM_HEADERFIX_H
#include <stddef.h>
#include <time.h>
#include "stralloc.h"
#include "addrlist.h"

struct headerfix {
    const char *user;       /* From's local part; 0 or "": "anonymous" */
    const char *host;       /* From's domain, completed by hosts; 0 or "": none */
    const char *fullname;   /* From's display name; 0 or "": none */
    const char *idhost;     /* right side of Message-ID; 0 or "": "localhost" */
    struct addrlist_hosts hosts;    /* completion of header addresses */
    time_t when;            /* for Date and Message-ID */
    unsigned long pid;      /* with when and seq, makes Message-ID unique */
    unsigned long seq;      /* e.g. microseconds, or a counter */
    int rcpts;              /* collect the recipients from the header */
};

/* kinds of line, for headerfix_line */
#define HF_END 0            /* not a header line: the header ends before it */
#define HF_FIELD 1          /* the first line of a field ("Name: ...") */
#define HF_CONT 2           /* a continuation line (starts with space or TAB) */
#define HF_MORE 3           /* no '\n' yet and no ':' yet: read more to tell */

/* What line s[0..len) is: a line with its '\n', or the start of one.
   first: it is the message's first line (which may not be a
   continuation).  An empty line ("\n" or "\r\n") is HF_END.  A field
   name is 1 to 998 printable characters other than ':' and space,
   optionally followed by blanks, then ':'. */
int headerfix_line(const char *s, size_t len, int first);

/* The header of message s[0..len) is its leading run of header lines
   (HF_FIELD and HF_CONT; a last line without '\n' counts as complete).
   The new header, then the empty line that ends it, is appended to out:
   - Bcc, Resent-Bcc, Return-Path and Content-Length fields removed;
   - addresses without a domain, or whose domain has no dot or ends in
     '+', completed by hf->hosts in To, Cc, From, Sender, Reply-To,
     Mail-Followup-To, Mail-Reply-To, Errors-To and their Resent- forms
     (only each changed address is rewritten; the rest stays as it was);
   - From, Date and Message-ID added at the end when missing, and, when
     the header holds any Resent- field, Resent-From, Resent-Date and
     Resent-Message-ID as well;
   - every line ends with '\n'.
   When hf->rcpts, the completed addresses of To, Cc and Bcc (of
   Resent-To, Resent-Cc and Resent-Bcc instead when a Resent- field is
   there) are appended to rcpt, each ended by a NUL.
   *body is set to the offset in s of the body: after the empty line
   that ended the header, or at the first line that is not a header
   line (which is then the body's first line), or len.
   Returns 0, or -1 when out of memory. */
int headerfix_run(const struct headerfix *hf, const char *s, size_t len,
                  stralloc *out, stralloc *rcpt, size_t *body);

#endif
