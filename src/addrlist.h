/* addrlist.h: RFC 5322 address lists (To, Cc, From values) to bare addr-specs */
#ifndef KIRIM_ADDRLIST_H
#define KIRIM_ADDRLIST_H
#include <stddef.h>
#include "stralloc.h"

/* fn is called once per address found.  a is the address in addr-spec form
   (local@domain, or just local when it had no domain; the local part is
   quoted only when it must be), NUL-terminated at a[alen] and free of
   NUL bytes.  [start, end) is where its addr-spec stood in the input
   (display names, angle brackets and routes excluded).  Return 0 to go
   on, -1 to stop: addrlist_walk then returns -1.
   Walks the whole value s[0..len) once, in time linear in len.  Returns
   the number of addresses, or -1 (out of memory, or fn said stop).
   Best effort on broken input:
   - an unclosed comment, quoted string or domain literal runs to the end;
   - a missing '>' is assumed before the next ',' or ';' or the end;
   - a stray ')' or '>' is ignored, and so is text after "<...>" up to
     the next ',' or ';';
   - words in a row without a dot keep only the last word (the others
     are taken for a display name without angle brackets);
   - "a@b c@d" (a missing comma) gives two addresses;
   - with several '@' the last one splits local part from domain, and
     "@@" counts as one;
   - NUL and other control bytes outside quoted strings are white space,
     inside them they are dropped (only TAB is kept);
   - "<>", an empty local part (even ""@x), empty groups, group names
     and the display name before "<" give no address. */
int addrlist_walk(const char *s, size_t len,
                  int (*fn)(void *arg, const char *a, size_t alen,
                            size_t start, size_t end),
                  void *arg);

/* Appends each address of s[0..len) to out, each ended by a NUL.
   Returns the number appended, or -1 when out of memory. */
int addrlist_parse(const char *s, size_t len, stralloc *out);

/* Appends lp[0..len) to out as a local part: as is when it is a
   dot-atom, else as a quoted string.  Returns 1, or 0 when out of memory. */
int addrlist_catlocal(stralloc *out, const char *lp, size_t len);

/* qmail's completion rules for header addresses.  A null or empty
   member turns its rule off. */
struct addrlist_hosts {
    const char *defaulthost;    /* "u" becomes "u@defaulthost" */
    const char *defaultdomain;  /* "u@h" (no dot in h) becomes "u@h.defaultdomain" */
    const char *plusdomain;     /* "u@h+" becomes "u@h.plusdomain" */
};

/* Appends a[0..alen) (addr-spec form, as addrlist_walk gives it) to out,
   completed by the rules above, in that order; a domain literal [...]
   is left alone.  No NUL is added.  Returns 1 when the address was
   changed, 0 when it was copied as is, -1 when out of memory. */
int addrlist_qualify(stralloc *out, const char *a, size_t alen,
                     const struct addrlist_hosts *h);

/* Index of the '@' between local part and domain in a[0..alen), or
   alen when there is no domain (an '@' inside quotes does not count). */
size_t addrlist_at(const char *a, size_t alen);

/* Appends a[0..alen) (addr-spec form) to out as the envelope keeps it,
   as mail-smtpd and qmail do: the local part without its quotes and
   backslashes ("john doe"@x is john doe@x; mail-remote quotes it again
   on the wire), every control byte made '?'. 0: out of memory. */
int addrlist_envelope(stralloc *out, const char *a, size_t alen);

#endif
