/* mailbox.h: delivery into a Maildir or an mbox file, and mboxrd quoting */
#ifndef KIRIM_MAILBOX_H
#define KIRIM_MAILBOX_H
#include <stddef.h>
#include <time.h>
#include "buffer.h"
#include "stralloc.h"

#define MBOX_LOCKWAIT 60        /* seconds to wait for a lock */
#define MBOX_LOCKSTALE 600      /* a dot-lock older than this is removed */
#define MAILDIR_TRIES 3         /* attempts at a unique name in tmp/ */

/* Both write pre (prelen bytes, as is) then the message read from fd
   (rewound first). 0 delivered; -1 not, nothing left behind, *why set
   (errno kept for a system error, 0 otherwise). */

/* Maildir: tmp/NAME created exclusively, written, fsynced, linked to
   new/NAME, tmp/NAME removed, new/ fsynced. NAME is
   "seconds.MmicrosecondsPpidQcounter.host" (the Maildir convention;
   '/' and ':' in host become \057 and \072). */
int maildir_deliver(const char *dir, int fd, const char *pre, size_t prelen,
                    const char **why);

/* mbox: lock (dot-lock path.lock when the directory lets us make one,
   then fcntl), append with mboxrd quoting and a final blank line,
   fsync; on error cut the file back to its old size. pre should begin
   with the From_ line. */
int mbox_deliver(const char *path, int fd, const char *pre, size_t prelen,
                 const char **why);

/* "From sender Www Mmm dd hh:mm:ss yyyy\n" (UTC); empty sender is
   MAILER-DAEMON; blanks and controls in sender become '_'. 0 nomem. */
int mbox_fromline(stralloc *sa, const char *sender, time_t t);

/* mboxrd quoting as a stream: a line matching ^>*From_ gets one more '>' */
struct mboxrd {
    int mid;            /* inside a line, past the point of deciding */
    size_t match;       /* bytes of "From " matched after the '>'s */
    int nl;             /* the last byte written was a newline (or none yet) */
};
void mboxrd_init(struct mboxrd *q);
/* 0 ok, -1 write error */
int mboxrd_put(struct mboxrd *q, buffer *out, const char *s, size_t n);
/* end the message with a newline (adding one if missing) and a blank line */
int mboxrd_end(struct mboxrd *q, buffer *out);

#endif
