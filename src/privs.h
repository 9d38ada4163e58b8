/* privs.h: dropping root for good, checked after the switch */
#ifndef KIRIM_PRIVS_H
#define KIRIM_PRIVS_H
#include <sys/types.h>

/* setgroups(1, &gid), setgid, setuid, then verify real and effective
   ids, the group list, and that setuid(0) now fails. Returns 1 when all
   holds, 0 otherwise (errno set; EPERM when a check failed). */
int privs_become(uid_t uid, gid_t gid);

#endif
