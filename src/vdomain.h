/* vdomain.h: local or remote? control/locals and control/virtualdomains */
#ifndef KIRIM_VDOMAIN_H
#define KIRIM_VDOMAIN_H
#include <stddef.h>
#include "stralloc.h"

#define VDOMAIN_REMOTE 0
#define VDOMAIN_LOCAL 1

/* locals: one domain per NUL-ended line; vds: "key:prefix" NUL-ended
   lines (as control_readlines gives them); noathost: the domain added
   to an address without @ (control/envnoathost). */
struct vdomain {
    stralloc locals;
    stralloc vds;
    stralloc noathost;
};

/* Route addr (len bytes). out gets the address for the channel (no NUL):
   - no @: "@noathost" is appended first;
   - domain in locals: local, address unchanged;
   - else the first virtualdomains key that matches, tried in this order:
     the whole address, the domain, each ".suffix" of the domain (longest
     first), the empty key; a match with prefix P gives local
     "P-addr", an empty prefix gives remote;
   - else remote, address unchanged.
   Keys and domains compare without regard to case.
   Returns VDOMAIN_LOCAL, VDOMAIN_REMOTE, or -1 out of memory. */
int vdomain_route(const struct vdomain *v, const char *addr, size_t len,
                  stralloc *out);

#endif
