/* hier.h: the installed tree, one table used by kirim-install and kirim-instcheck */
#ifndef KIRIM_HIER_H
#define KIRIM_HIER_H

#define OWNER_SAME -1           /* group: the owner's primary group */

struct hier {
    char type;          /* d dir, s split dir, f file, z empty file, p fifo */
    const char *path;   /* under conf-home; "" is conf-home itself */
    const char *src;    /* f: file in the build tree to copy */
    int owner;          /* index into auto_users */
    int group;          /* index into auto_groups, or OWNER_SAME */
    unsigned int mode;
};

extern const struct hier hier[];
extern const unsigned int hier_count;

#include <sys/types.h>
#include "stralloc.h"
/* uid and gid of an entry from conf-users/conf-groups; 0 if unknown */
int hier_ids(const struct hier *h, uid_t *uid, gid_t *gid);
/* destdir + conf-home + "/" + path (+ "/" + sub when sub >= 0), NUL-ended */
int hier_path(stralloc *sa, const char *destdir, const char *path, long sub);
#endif
