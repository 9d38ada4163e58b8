/* vmail.h: what mail-account checks and edits: names, sizes, the
   line-based text of control/ files and users/assign, atomic writes
   (design: doc/accounts.md) */
#ifndef KIRIM_VMAIL_H
#define KIRIM_VMAIL_H
#include <stddef.h>
#include <sys/types.h>
#include "stralloc.h"

#define VMAIL_DOMAINMAX 253   /* bytes in a domain */
#define VMAIL_LOCALMAX 64     /* bytes in a mailbox or alias name */
#define VMAIL_ADDRMAX 320     /* bytes in an alias target */
#define VMAIL_PREFIX "kv-"    /* virtualdomains prefix: kv-DOMAIN */

/* a hosted domain: lower case a-z 0-9 - and dots between non-empty
   labels, at most VMAIL_DOMAINMAX bytes, at least one dot */
int vmail_domain_ok(const char *s, size_t len);

/* a mailbox or alias name (the part before @): lower case a-z 0-9 . _ -,
   not starting with . or -, no "..", at most VMAIL_LOCALMAX bytes,
   not "default" and not ending in "-default" (those name .qmail-default
   files) */
int vmail_local_ok(const char *s, size_t len);

/* a forwarding target: local@domain, local of printable ASCII without
   blanks and without < > ( ) , ; : \ " [ ], domain as vmail_domain_ok
   (case folded by the caller), at most VMAIL_ADDRMAX bytes */
int vmail_addr_ok(const char *s, size_t len);

/* "123", "10K", "5M", "2G" (1024-based) into bytes. 1 ok, 0 malformed
   or too large. */
int vmail_size(const char *s, unsigned long *bytes);

/* Lines of text (each ended by a newline; a last line without one is
   taken as ended). Keys compare without regard to case.
   vmail_line_find: the first line equal to s (whole) or starting
   with s (!whole); 1 found (*start, *end: the line and its newline), 0 not. */
int vmail_line_find(const stralloc *text, const char *s, size_t len, int whole,
                      size_t *start, size_t *end);
/* add the line s (without newline) at the end unless an equal one is
   there: 1 added, 0 already there, -1 out of memory */
int vmail_line_add(stralloc *text, const char *s, size_t len);
/* remove every line equal to s (whole) or starting with s (!whole):
   the number removed */
unsigned long vmail_line_del(stralloc *text, const char *s, size_t len, int whole);

/* users/assign: put line (without newline) before the final "." line,
   adding that line when the text has none. 1 ok, -1 out of memory. */
int vmail_assign_add(stralloc *text, const char *s, size_t len);

/* Replace fn atomically by s[0..len): fn.tmp created with mode, owned
   by uid:gid when uid != (uid_t)-1, written, fsynced, renamed over fn,
   then fn's directory fsynced. 0 ok, -1 (errno; *why names the step). */
int vmail_write(const char *fn, const char *s, size_t len, mode_t mode,
                  uid_t uid, gid_t gid, const char **why);

#endif
