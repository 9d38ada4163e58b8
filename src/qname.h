/* qname.h: queue file names, relative to the queue directory */
#ifndef KIRIM_QNAME_H
#define KIRIM_QNAME_H
#include "stralloc.h"

/* dir/split/id, e.g. "mess/7/123456"; dir "pid" has no split level.
   Ends with NUL (included in len). Returns 0 on memory error. */
int qname(stralloc *sa, const char *dir, unsigned long id);
unsigned long qname_split(unsigned long id);

#endif
