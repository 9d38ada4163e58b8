/* pop3box.h: a Maildir as a POP3 maildrop: the message list of one session */
#ifndef KIRIM_POP3BOX_H
#define KIRIM_POP3BOX_H
#include <time.h>
#include "stralloc.h"

#define POP3BOX_MAX 20000       /* messages listed in one session */
#define POP3BOX_UIDMAX 70       /* RFC 1939: a unique-id has 1 to 70 characters */

struct pop3msg {
    size_t name;                /* offset of "cur/NAME\0" in pop3box.names */
    unsigned long long size;    /* octets with CRLF line ends */
    time_t mtime;
    int deleted;
};

struct pop3box {
    struct pop3msg *m;
    unsigned long n;            /* messages listed */
    unsigned long skipped;      /* more than POP3BOX_MAX: left for later */
    stralloc names;
};

/* In the Maildir that is the current directory: move every new/NAME to
   cur/NAME:2, (cur/NAME if it has an info part already), then list up to
   POP3BOX_MAX regular files of cur/ (dot files aside), oldest first, with
   their sizes. 0 ok; -1 error (errno set; nothing was listed). */
int pop3box_open(struct pop3box *b);

/* path of message i (0-based), "cur/NAME", NUL-ended */
const char *pop3box_path(const struct pop3box *b, unsigned long i);

/* The UIDL of a file name: the part before ':' when it has 1 to 70
   characters from 0x21 to 0x7e, else "h" and 16 hex digits of its
   FNV-1a hash. out is replaced; 1 ok, 0 out of memory. */
int pop3box_uid(stralloc *out, const char *name, size_t len);

/* remove the files marked deleted; returns how many could not be
   removed (a file already gone counts as removed) */
unsigned long pop3box_update(struct pop3box *b);

#endif
