/* control.h: reading control/ files with "unreadable is not missing" rules */
#ifndef KIRIM_CONTROL_H
#define KIRIM_CONTROL_H
#include "stralloc.h"

/* All return 1 when the file was read, 0 when it does not exist (the
   default was applied), -1 on any other error (errno set). A NUL byte
   in a line that control_readline or control_readlines would return
   is an error too (EINVAL): the file is corrupt. */

/* first line, trailing blanks and CR removed; missing: copy def (if def) */
int control_readline(stralloc *sa, const char *fn, const char *def);
/* first line as an unsigned number; -2 when it is not a number */
int control_readulong(unsigned long *u, const char *fn, unsigned long def);
/* every non-blank, non-# line, each ended by \0, blanks trimmed */
int control_readlines(stralloc *sa, const char *fn);
/* whole file, as is */
int control_readfile(stralloc *sa, const char *fn);

#endif
