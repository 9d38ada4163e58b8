/* relay.h: who may send to whom through mail-smtpd: rcpthosts, percenthack, bad addresses */
#ifndef KIRIM_RELAY_H
#define KIRIM_RELAY_H
#include <stddef.h>
#include "stralloc.h"
#include "vdomain.h"

struct relay {
    stralloc rcpthosts;     /* control/rcpthosts entries, each NUL-ended */
    int mrhfd;              /* control/morercpthosts.cdb open, or -1 */
    stralloc percenthack;   /* control/percenthack entries */
    stralloc badrcptto;     /* control/badrcptto entries */
    const struct vdomain *vd;   /* locals and virtualdomains */
    /* the local-delivery judge: 1 deliverable, 0 not, -1 cannot tell */
    int (*deliverable)(const char *local, size_t len);
};

/* Is domain d (len bytes) one we accept mail for?  An entry matches
   when it equals d, or when it starts with '.' and d ends with it;
   then morercpthosts.cdb is asked for d and for each ".suffix" of d
   (keys in lower case, as qmail-newmrh writes them).  Without case.
   1 yes, 0 no, -1 the cdb could not be read. */
int relay_rcpthosts(const struct relay *r, const char *d, size_t len);

/* Is address a (len bytes, local@domain) in list (NUL-ended entries,
   as control_readlines gives them)?  An entry "@domain" matches every
   address in that domain; other entries match the whole address.
   Without case.  1 yes, 0 no. */
int relay_listed(const stralloc *list, const char *a, size_t len);

/* While the domain of addr is listed in control/percenthack and its
   local part holds '%', turn the last '%' into '@' and drop the old
   domain ("u%h@d" becomes "u@h"), as mail-send would.  *at follows.
   Returns the number of rewrites. */
int relay_percenthack(const stralloc *list, stralloc *addr, size_t *at);

/* results of relay_rcpt, with the replies mail-smtpd gives */
#define RELAY_OK 0          /* 250 2.1.5 */
#define RELAY_DENIED 1      /* 553 5.7.1 relaying denied */
#define RELAY_BADRCPT 2     /* 553 5.7.1 badrcptto */
#define RELAY_QUOTEDAT 3    /* 553 5.1.3 '@' inside the local part */
#define RELAY_NOUSER 4      /* 550 5.1.1 no such local user */
#define RELAY_TEMP 5        /* 451 4.3.0 cannot tell now */
#define RELAY_NOMEM -1

/* Judge one recipient.  addr (at: its '@', or addr->len) is changed
   in place: percenthack rewrites, then relayclient (the value of
   RELAYCLIENT, or 0 when unset) is appended, as qmail does.  Order:
   an '@' in the local part is refused; badrcptto; the domain must be
   in rcpthosts/morercpthosts unless relayclient is set (no rcpthosts
   at all: nothing is accepted without relayclient); a recipient that
   vdomain routes to local delivery must be deliverable. */
int relay_rcpt(const struct relay *r, stralloc *addr, size_t at,
               const char *relayclient);

#endif
