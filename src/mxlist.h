/* mxlist.h: the addresses mail-remote tries, from MX records or a route */
#ifndef KIRIM_MXLIST_H
#define KIRIM_MXLIST_H
#include <stddef.h>
#include "stralloc.h"

#define MXLIST_MAX 64           /* addresses kept per delivery */
#define MXLIST_IMPLICIT 0       /* preference of an implicit MX (no MX record) */

struct mxaddr {
    char ip[16];                /* IPv6, or IPv4-mapped (::ffff:a.b.c.d) */
    unsigned long pref;
    unsigned long key;          /* random order among equal preferences */
    size_t name;                /* offset of the host name in names */
};

struct mxlist {
    struct mxaddr a[MXLIST_MAX];
    size_t n;
    stralloc names;             /* NUL-ended host names */
};

void mxlist_reset(struct mxlist *l);
/* Add an address of host name with preference pref and order key key.
   A repeated address keeps the better (preference, key); beyond
   MXLIST_MAX addresses the worst one goes when the new one is better,
   else the new one is dropped. 0: no memory. */
int mxlist_add(struct mxlist *l, const char ip[16], unsigned long pref,
               const char *name, unsigned long key);
/* Sort by preference, then key (a random number per host: hosts of equal
   preference come in random order, each host's addresses together). */
void mxlist_sort(struct mxlist *l);
/* Drop every address with preference >= pref (the local host's own MX
   and worse ones). */
void mxlist_cut(struct mxlist *l, unsigned long pref);
/* Next record of dns_mx's output s[0..len) at *pos: 1 (pref, name set),
   0 at the end, -1 malformed. */
int mxlist_next(const char *s, size_t len, size_t *pos, unsigned long *pref,
                const char **name);
/* 1 when the MX records are a null MX (RFC 7505): one record, name "."
   or empty. */
int mxlist_isnull(const char *s, size_t len);

#endif
