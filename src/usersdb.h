/* usersdb.h: users/assign syntax, users/cdb layout and lookup, account records */
#ifndef KIRIM_USERSDB_H
#define KIRIM_USERSDB_H
#include <stddef.h>
#include "cdb_make.h"
#include "stralloc.h"

/* Where a local part is delivered. The stralloc fields are NUL-ended
   (the NUL is not counted in len). */
struct account {
    stralloc user, home, dash, ext;
    unsigned long uid, gid;
};

/* Parse "user\0uid\0gid\0home\0dash\0ext\0" (a users/cdb value, or
   mail-getpw's output). 1 ok, 0 malformed (empty user, bad number,
   relative home, trailing bytes), -1 out of memory. */
int account_parse(struct account *a, const char *s, size_t len);

/* users/cdb: key "=" local for an exact line, "+" prefix for a prefix
   line, both lowercased; value as account_parse reads it (for "+" the
   ext field holds the "pre" to put before the rest of the local part).
   Lookup of local[0..len) in the cdb open on fd: exact key first, then
   the longest prefix (down to the empty one). 1 found, 0 not found,
   -1 read error or malformed value (errno set). */
int usersdb_lookup(int fd, const char *local, size_t len, struct account *a);

/* One users/assign line, without its newline: 1 an entry (key and val
   set as above), 2 the final ".", 3 blank or "#" comment, 0 syntax error
   (*why says what), -1 out of memory. */
int usersdb_line(const char *s, size_t len, stralloc *key, stralloc *val,
                 const char **why);

/* Compile a whole users/assign text into cm (started by the caller, not
   finished). 1 ok, 0 syntax error (*line, *why), -1 write error or out
   of memory (errno). A missing final "." line is a syntax error. */
int usersdb_compile(const char *s, size_t len, struct cdb_make *cm,
                    unsigned long *line, const char **why);

#endif
