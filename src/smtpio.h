/* smtpio.h: SMTP line I/O over libowfat buffers, with a timeout in every op */
#ifndef KIRIM_SMTPIO_H
#define KIRIM_SMTPIO_H
#include <stddef.h>
#include <sys/types.h>
#include "buffer.h"
#include "stralloc.h"

/* Buffer ops for fds: each waits at most *(unsigned long *)b->cookie
   seconds (0: forever) for the fd, then reads or writes once.  A
   timeout is an error with errno ETIMEDOUT.  Set the cookie after
   buffer_init (BUFFER_INIT leaves it null, which means no timeout). */
ssize_t smtpio_read(int fd, char *buf, size_t len, buffer *b);
ssize_t smtpio_write(int fd, const char *buf, size_t len, buffer *b);

#define SMTPIO_LINE 1       /* a line, without its LF or CRLF */
#define SMTPIO_EOF 0        /* end of input (a partial last line is dropped) */
#define SMTPIO_ERR -1       /* read error or timeout (errno), or out of memory */
#define SMTPIO_LONG -2      /* longer than max: the rest of it was skipped */

/* Read one command line into sa: bytes up to LF, with one CR before
   the LF removed.  At most max bytes are kept; a longer line is read
   on to its LF and thrown away (memory stays bounded), and
   SMTPIO_LONG is returned. */
int smtpio_getline(buffer *b, stralloc *sa, size_t max);

/* bytes already read from the peer and not yet consumed */
size_t smtpio_pending(const buffer *b);

#endif
