/* auto.h: build-time knobs generated from conf-* by the Makefile */
#ifndef KIRIM_AUTO_H
#define KIRIM_AUTO_H

extern const char auto_home[];
extern const unsigned long auto_split;
extern const unsigned long auto_spawn;

/* indexes into auto_users (conf-users order) */
#define U_ALIAS 0
#define U_DAEMON 1
#define U_LOG 2
#define U_PASSWD 3
#define U_QUEUE 4
#define U_REMOTE 5
#define U_SEND 6
#define U_ROOT 7
extern const char *const auto_users[8];
/* indexes into auto_groups (conf-groups order) */
#define G_QUEUE 0
#define G_OTHER 1
extern const char *const auto_groups[2];

#endif
