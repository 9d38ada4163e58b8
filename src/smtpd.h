/* smtpd.h: the SMTP server session behind mail-smtpd (and sendmail -bs) */
#ifndef KIRIM_SMTPD_H
#define KIRIM_SMTPD_H
#include <stddef.h>
#include "stralloc.h"
#include "relay.h"
#include "vdomain.h"

#define SMTPD_CMDMAX 1000       /* octets in a command line, CRLF excluded */
#define SMTPD_ERRMAX 20         /* bad commands before 421 */
#define SMTPD_HOPMAX 100        /* Received + Delivered-To lines in a message */

struct smtpd_config {
    stralloc me;
    stralloc greeting;
    stralloc badmailfrom;
    unsigned long databytes;    /* 0: no limit */
    unsigned long timeout;      /* seconds for every read and write */
    unsigned long maxrcpt;      /* 0: no limit */
    unsigned long linemax;      /* octets in a DATA line with CRLF; 0: no limit */
    int havecert;               /* control/servercert.pem exists: offer STARTTLS */
    int authclear;              /* control/smtpauthcleartext: AUTH without TLS */
    char **checkpw;             /* checkpassword program and arguments, or 0: no AUTH */
    int submission;             /* $SUBMISSION: MAIL needs AUTH */
    int smtps;                  /* $SMTPS: TLS from the first byte */
    struct vdomain vd;
    struct relay relay;
};

/* Read the control files mail-smtpd uses (cwd is conf-home).  Returns
   0; -1 with *fn naming the file that could not be read; -2 with *fn
   naming a file that should hold a number and does not. */
int smtpd_config(struct smtpd_config *c, const char **fn);

/* Serve one SMTP session on fds 0 and 1 with c; the client is described
   by the ucspi variables TCPREMOTEIP, TCPREMOTEHOST, TCPREMOTEINFO,
   TCPLOCALIP and RELAYCLIENT.  Exits: 0 after QUIT or end of input,
   111 after a timeout or an I/O error, 100 after too many errors. */
void smtpd_serve(struct smtpd_config *c) __attribute__((noreturn));

/* die with "421 4.3.0 ... unable to read controls" before a session */
void smtpd_unavailable(const char *why) __attribute__((noreturn));

#endif
