/* die.h: fatal and warning messages on fd 2, "prog: fatal: ..." */
#ifndef KIRIM_DIE_H
#define KIRIM_DIE_H

#define EXIT_PERM 100
#define EXIT_TEMP 111

extern const char *progname;

void die_msg(int code, int withsys, const char *first, ...)
    __attribute__((noreturn));
void warn_msg(int withsys, const char *first, ...);

/* every list ends with a null pointer; the macros add it */
#define die_temp(...)  die_msg(EXIT_TEMP, 1, __VA_ARGS__, (char *)0)
#define die_tempx(...) die_msg(EXIT_TEMP, 0, __VA_ARGS__, (char *)0)
#define die_perm(...)  die_msg(EXIT_PERM, 0, __VA_ARGS__, (char *)0)
#define die_usage(u)   die_msg(EXIT_PERM, 0, "usage: ", (u), (char *)0)
#define die_nomem()    die_msg(EXIT_TEMP, 0, "out of memory", (char *)0)
#define warn_sys(...)  warn_msg(1, __VA_ARGS__, (char *)0)
#define warn_x(...)    warn_msg(0, __VA_ARGS__, (char *)0)

#endif
