/* smtpdata.h: the DATA stream: CRLF.CRLF end, dot-unstuffing, bare CR/LF, line and size limits */
#ifndef KIRIM_SMTPDATA_H
#define KIRIM_SMTPDATA_H
#include <stddef.h>
#include <stdint.h>

/* flags: what was wrong with the data (several may be set) */
#define SMTPDATA_BARELF 1       /* an LF not after a CR */
#define SMTPDATA_BARECR 2       /* a CR not before an LF */
#define SMTPDATA_LONGLINE 4     /* a line longer than linemax */
#define SMTPDATA_TOOBIG 8       /* more than sizemax octets */
#define SMTPDATA_HOPS 16        /* more than hopmax Received/Delivered-To */

struct smtpdata {
    /* set by the caller (smtpdata_init), 0: no limit */
    uint64_t sizemax;       /* octets of data as received, CRLFs included */
    uint64_t linemax;       /* octets in a line, its CRLF included */
    unsigned long hopmax;   /* Received and Delivered-To header lines */
    /* results */
    int done;               /* CRLF.CRLF seen */
    int flags;              /* SMTPDATA_* */
    uint64_t size;          /* octets received, the final ".CRLF" excepted */
    unsigned long hops;
    /* internal */
    int state;
    int inheader;
    uint64_t linelen;
    size_t startlen;
    char start[16];         /* the start of the current line */
};

void smtpdata_init(struct smtpdata *d, uint64_t sizemax, uint64_t linemax,
                   unsigned long hopmax);

/* Feed len octets of the raw DATA stream.  Writes the message (lines
   ended by LF, dots unstuffed, the final "." line left out) to out,
   which must have room for len octets, and sets *outlen.  Once a flag
   is set no more output is made: the message will be refused.
   Returns how many octets of in were consumed: all of them, or fewer
   when the end of the data was found (d->done); what follows is the
   client's next command. */
size_t smtpdata_feed(struct smtpdata *d, const char *in, size_t len,
                     char *out, size_t *outlen);

#endif
