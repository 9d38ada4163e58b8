/* pwfile.h: the virtual-user password file users/password, its cdb and lock
   (format: doc/mail-passwd.8) */
#ifndef KIRIM_PWFILE_H
#define KIRIM_PWFILE_H
#include <stddef.h>
#include <sys/types.h>
#include "cdb_make.h"
#include "stralloc.h"

/* relative to conf-home; programs chdir there first */
#define PWFILE "users/password"
#define PWFILE_TMP "users/password.tmp"
#define PWFILE_CDB "users/password.cdb"
#define PWFILE_CDBTMP "users/password.cdb.tmp"
#define PWFILE_LOCK "users/password.lock"

#define PWFILE_NAMEMAX 255      /* bytes in a login name */
#define PWFILE_LINEMAX 2048     /* bytes in a line */

/* One line "name:hash:uid:gid:home". Pointers into the parsed line. */
struct pwent {
    const char *name, *hash, *home;
    size_t namelen, hashlen, homelen;
    int hasids;                 /* uid and gid given */
    unsigned long uid, gid;
};

/* 1 when name[0..len) is a valid login name: 1..PWFILE_NAMEMAX bytes of
   a-z 0-9 . _ - + = @, not starting with . or - (lower case only:
   callers lowercase what users type) */
int pwfile_name_ok(const char *name, size_t len);

/* Parse one line (without its newline): 1 ok, 0 malformed (*why). */
int pwfile_parse(const char *s, size_t len, struct pwent *e, const char **why);

/* The line of the source text for name: 1 found (*start, *end: the line
   with its newline), 0 not found. Blank and # lines never match. */
int pwfile_find(const char *text, size_t len, const char *name, size_t namelen,
                size_t *start, size_t *end);

/* Compile the whole source text into cm (started, not finished): key
   name, value the whole line. Blank lines and # comments are skipped.
   1 ok, 0 a malformed line (*line, *why), -1 write error (errno). */
int pwfile_compile(const char *text, size_t len, struct cdb_make *cm,
                   unsigned long *line, const char **why);

/* Look name up in the cdb open on fd; the value is copied to line and
   parsed into e. 1 found, 0 not found, -1 read error or malformed
   record (errno EINVAL). */
int pwfile_lookup(int fd, const char *name, size_t namelen, stralloc *line,
                  struct pwent *e);

/* Take the exclusive lock (users/password.lock, created 0600), waiting
   for another holder. Returns the fd to keep open, or -1. */
int pwfile_lock(void);

/* Replace users/password by text and rebuild users/password.cdb, each
   through a temporary file that is synced, closed and renamed, then
   sync users/. The cdb gets mode 0400 and, when chown is set, owner
   uid:gid (the user that checks passwords). Hold the lock.
   0 ok; -1 system error (errno, *why names the step); -2 malformed
   line in text (*line, *why), nothing replaced. */
int pwfile_save(const stralloc *text, int chown, uid_t uid, gid_t gid,
                unsigned long *line, const char **why);

#endif
