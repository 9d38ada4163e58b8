/* smtpsession.h: mail-remote's SMTP dialogue with one host address:
   connect, greeting, EHLO/HELO, STARTTLS, one transaction (mail-remote(8)) */
#ifndef KIRIM_SMTPSESSION_H
#define KIRIM_SMTPSESSION_H
#include "stralloc.h"
#include "smtpclient.h"

#define SMTPSESSION_QUITWAIT 5      /* seconds to wait for QUIT's reply */
#define SMTPSESSION_CHUNK 65536     /* message bytes read at a time */

/* one recipient; letter 'r' accepted, 'h' permanent, 's' temporary */
struct smtpsession_rcpt {
    const char *addr;
    char letter;
    stralloc text;
};

/* what is sent, the same for every host tried */
struct smtpsession_msg {
    const char *sender;             /* "" for <> */
    struct smtpsession_rcpt *r;
    int n;
    unsigned long size;             /* after CRLF conversion */
    int eightbit;                   /* a byte above 127 */
    int fd;                         /* the message (LF line ends), read from its start */
    const char *helohost;
    unsigned long timeoutconnect, timeoutremote;
    const char *cafile;             /* trust anchors; 0: the system's (tls.h) */
};

/* TLS for one attempt */
#define SMTPSESSION_TLS_NO 0        /* never STARTTLS */
#define SMTPSESSION_TLS_MAY 1       /* when offered; any certificate encrypts */
#define SMTPSESSION_TLS_MUST 2      /* verified TLS or nothing */

/* one attempt with one address */
struct smtpsession {
    /* set by the caller */
    const char *name;               /* host name: SNI and certificate check */
    char ip[16];                    /* v4-mapped for IPv4 */
    unsigned long port;
    int tlsmode;
    /* results */
    stralloc host;                  /* "name [ip]", for texts */
    char letter;                    /* SMTPSESSION_DONE: K, Z or D for the message */
    stralloc text;                  /* ... and its text */
    int rcptsdone;                  /* every recipient has its own result */
    int tcpto;                      /* -1: nothing to note; 0 the host answered; 1 it timed out */
    stralloc tlsnote;               /* "TLSv1.2 cipher, certificate ..." or empty */
    /* the connection */
    int fd;
    int timedout;
    int tls;
    struct smtpclient reply;
    struct ehlo ehlo;
};

#define SMTPSESSION_NOMEM (-1)      /* out of memory */
#define SMTPSESSION_NEXT 0          /* the host did not take it: try the next (why says why) */
#define SMTPSESSION_DONE 1          /* final for this run: letter, text, rcptsdone */
#define SMTPSESSION_CLEAR 2         /* TLS failed with TLS_MAY: reconnect with TLS_NO */

/* Talk to s->ip:s->port. Appends to why (sentences ending in ". ") what
   went wrong with this host when the result is not SMTPSESSION_DONE. */
int smtpsession_run(struct smtpsession *s, struct smtpsession_msg *m, stralloc *why);

#endif
