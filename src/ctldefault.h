/* ctldefault.h: the control files kirim knows, with their defaults */
#ifndef KIRIM_CTLDEFAULT_H
#define KIRIM_CTLDEFAULT_H
#include "stralloc.h"

#define CTL_LINE 1      /* first line is the value */
#define CTL_NUM 2       /* first line is an unsigned number */
#define CTL_LIST 3      /* one entry per line, # comments */
#define CTL_CDB 4       /* a compiled cdb file */

struct ctldefault {
    const char *name;   /* file name under control/ */
    int kind;
    const char *def;    /* default value, 0 when the default is "none" */
    int defme;          /* missing: the value of me (def is then unused) */
    const char *note;   /* what the default means, for people */
};

extern const struct ctldefault ctldefault[];
extern const unsigned int ctldefault_count;

/* the table entry for name, or 0 */
const struct ctldefault *ctldefault_find(const char *name);

/* The readers below take a file name relative to control/ (the caller
   has done chdir(auto_home)) and apply the table's default.  Like
   control.h they return 1 when the file was read, 0 when the default
   was applied, -1 on error (errno set; EINVAL: name not in the table
   or of another kind), and ctldefault_num -2 when it is not a number. */

/* me: control/me, else the host name */
int ctldefault_me(stralloc *sa);
/* a CTL_LINE file; sa holds the value, not NUL-ended */
int ctldefault_line(stralloc *sa, const char *name);
/* a CTL_NUM file */
int ctldefault_num(unsigned long *u, const char *name);
/* the same, named from auto_home, for programs that run elsewhere
   (mail-local, in the recipient's home) */
int ctldefault_num_home(unsigned long *u, const char *name);
/* a CTL_LIST file: entries, each ended by NUL */
int ctldefault_list(stralloc *sa, const char *name);

#endif
