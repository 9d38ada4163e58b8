/* privs.c: become another user (primary group only), and check it took */
#include <errno.h>
#include <grp.h>
#include <unistd.h>
#include "privs.h"

static int
privs_check(uid_t uid, gid_t gid)
{
    gid_t g[2];
    int n;

    if (getuid() != uid || geteuid() != uid) return 0;
    if (getgid() != gid || getegid() != gid) return 0;
    n = getgroups(2, g);
    if (n < 0 || n > 1 || (n == 1 && g[0] != gid)) return 0;
    if (uid != 0 && setuid(0) != -1) return 0;
    return 1;
}

int
privs_become(uid_t uid, gid_t gid)
{
    if (setgroups(1, &gid) == -1) return 0;
    if (setgid(gid) == -1) return 0;
    if (setuid(uid) == -1) return 0;
    if (!privs_check(uid, gid)) { errno = EPERM; return 0; }
    return 1;
}
